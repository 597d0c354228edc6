"""`voiced check`: diagnose the configuration, credentials, audio, GPIO and connectivity as
the service will see them (its config file, the credential its unit loads).

Each result is one line: `ok   <what>: <detail>` or `FAIL <what>: <why>. Fix: <how>`.
Exit status: 0 all passed, 1 something failed, 78 the configuration file is invalid.
"""

from __future__ import annotations

import asyncio
from typing import TextIO

from voiced.app.credentials import service_api_key
from voiced.app.voices import make_voice
from voiced.config import Config
from voiced.errors import (
    EXIT_FAILURE,
    EXIT_OK,
    ConfigError,
    ConnectionRefusedByPeer,
    ConnectTimeoutError,
    CredentialsRejectedError,
    HTTPStatusError,
    RealtimeError,
)
from voiced.voice import OpenAIRealtimeVoice

FIXES: dict[type[RealtimeError], str] = {
    CredentialsRejectedError: "put a valid key in the openai_api_key credential or "
    "realtime.api_key_file",
    ConnectTimeoutError: "check the network (Wi-Fi, DNS, proxy) and realtime.url",
    ConnectionRefusedByPeer: "check realtime.url and that the machine is online",
    HTTPStatusError: "see the status: 429 wait or check quota, 5xx try later",
}


def _line(out: TextIO, ok: bool, what: str, detail: str) -> bool:
    print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}", file=out)
    return ok


def _fail(out: TextIO, what: str, exc: ConfigError) -> bool:
    """A ConfigError as `FAIL <what>: <why>. Fix: <how>` (its key and file in the why)."""
    return _line(out, False, what, f"{exc.key} ({exc.file}): {exc.problem}. Fix: {exc.fix}")


def check_credentials(config: Config, out: TextIO) -> bool:
    try:
        key = service_api_key(config)
    except ConfigError as exc:
        return _fail(out, "credentials", exc)
    if key.value is None:
        return _line(
            out,
            True,
            "credentials",
            "none configured: the loopback provider will play back your speech",
        )
    return _line(out, True, "credentials", f"API key from {key.source}")


async def _connect(voice: OpenAIRealtimeVoice, timeout_s: float) -> None:
    try:
        await voice.connect(timeout=timeout_s, reconnect=False)
    finally:
        await voice.close()


def _run_bounded(voice: OpenAIRealtimeVoice, timeout_s: float) -> None:
    """Run `_connect` on a private loop, giving up after `timeout_s` + 3 s even if the link
    ignores cancellation (the loop is then abandoned: `voiced check` never hangs)."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(_connect(voice, timeout_s))
    done, _ = loop.run_until_complete(asyncio.wait({task}, timeout=timeout_s + 3.0))
    if not done:
        # Abandoned: its leftovers must not print tracebacks when the process exits.
        loop.set_exception_handler(lambda _loop, _context: None)
        task.cancel()
        raise TimeoutError
    loop.close()
    task.result()


def check_network(config: Config, out: TextIO, timeout_s: float = 10.0) -> bool:
    try:
        voice = make_voice(config, service_api_key(config))
    except ConfigError as exc:
        return _fail(out, "realtime", exc)
    except ValueError as exc:  # a URL urllib cannot parse, e.g. ws://[::1
        return _line(
            out, False, "realtime", f"realtime.url: {exc}. Fix: write a URL such as wss://host/path"
        )
    if not isinstance(voice, OpenAIRealtimeVoice):
        return _line(out, True, "realtime", "loopback provider: nothing to connect to")
    try:
        _run_bounded(voice, timeout_s)
    except RealtimeError as exc:
        fix = next((f for t, f in FIXES.items() if isinstance(exc, t)), "see the message")
        return _line(out, False, "realtime", f"{str(exc).rstrip('.')}. Fix: {fix}")
    except TimeoutError:
        return _line(
            out,
            False,
            "realtime",
            f"no live session within {timeout_s:g} s. Fix: check realtime.url and the network",
        )
    except (OSError, ValueError) as exc:
        return _line(out, False, "realtime", f"cannot connect ({exc}). Fix: check realtime.url")
    return _line(out, True, "realtime", f"session live and configured ({voice.provider})")


def check_audio(config: Config, out: TextIO) -> bool:
    from voiced.audio.commands import check_audio as run_audio_check

    return run_audio_check(config.audio, out) == EXIT_OK


def check_gpio(config: Config, out: TextIO) -> bool:
    from voiced.panel.commands import check_panel

    return check_panel(config, out) == EXIT_OK


def run_checks(config: Config, what: str, out: TextIO) -> int:
    """Run the checks `what` names ("all" for every one); exit status 0 when all pass."""
    _line(out, True, "config", f"{config.source} is valid")
    results = []
    if what in ("all", "credentials"):
        results.append(check_credentials(config, out))
    if what in ("all", "gpio"):
        results.append(check_gpio(config, out))
    if what in ("all", "audio"):
        results.append(check_audio(config, out))
    if what in ("all", "network"):
        results.append(check_network(config, out))
    return EXIT_OK if all(results) else EXIT_FAILURE
