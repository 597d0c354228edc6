"""Where the API key comes from: systemd's credential, then a key file, then the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from voiced.config import Config
from voiced.errors import ConfigError

CREDENTIAL_NAME = "openai_api_key"
#: Where the unit's LoadCredential= takes the key from (what `voiced check` looks at).
CREDSTORE_PATH = Path("/etc/credstore/voiced.openai_api_key")
#: A key file longer than this is not a key (and /proc/self/mem is never read whole).
MAX_KEY_BYTES = 4096


@dataclass(frozen=True)
class ApiKey:
    value: str | None = field(repr=False)
    source: str
    """Where it came from, for logs: never the key itself."""


def _read_key(path: Path, key: str, config_file: str) -> str:
    """Read one API key from `path`; every way it can be wrong is a ConfigError."""

    def bad(problem: str, fix: str) -> ConfigError:
        return ConfigError(key, config_file, problem, fix)

    try:
        if path.is_dir():
            raise bad(f"{path} is a directory", "point it at the file that holds the key")
        if path.exists() and not path.is_file():
            raise bad(f"{path} is not a regular file", "point it at a file that holds the key")
        with path.open("rb") as fh:
            data = fh.read(MAX_KEY_BYTES + 1)
    except ConfigError:
        raise
    except FileNotFoundError as exc:
        raise bad(
            f"{path} does not exist", "create it (one line: the key) or remove the setting"
        ) from exc
    except PermissionError as exc:
        raise bad(
            f"{path} is not readable by this user",
            "use LoadCredential= in the unit, or chmod 0640 and group voiced",
        ) from exc
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise bad(
            f"{path} cannot be read ({reason})", "point it at a file that holds the key"
        ) from exc
    if len(data) > MAX_KEY_BYTES:
        raise bad(f"{path} is too large for an API key", "put only the key in it")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise bad(f"{path} is not text", "put the key in it as one line of text") from exc
    if not text:
        raise bad(f"{path} is empty", "put the API key in it")
    if not text.isprintable() or any(c.isspace() for c in text):
        raise bad(
            f"{path} holds more than one key-like word (spaces, line breaks or control characters)",
            "put only the key in it, on one line",
        )
    return text


def service_api_key(
    config: Config,
    environ: dict[str, str] | None = None,
    credstore: Path = CREDSTORE_PATH,
) -> ApiKey:
    """The key the service will get, for `voiced check`: outside the unit, the file its
    LoadCredential= reads (root may read it; anyone else is told how to check it)."""
    env = os.environ if environ is None else environ
    if env.get("CREDENTIALS_DIRECTORY"):
        return find_api_key(config, environ)
    try:
        present = credstore.exists()
    except PermissionError:  # /etc/credstore is 0700 root: it may well be there
        present = True
    if not present:
        return find_api_key(config, environ)
    if not os.access(credstore, os.R_OK):
        raise ConfigError(
            "credential " + CREDENTIAL_NAME,
            config.source,
            f"only root can read {credstore} (the service gets it through LoadCredential=, "
            "so this check, run as this user, cannot see the key)",
            "run the check as root: sudo /opt/voiced/.venv/bin/voiced check",
        )
    return ApiKey(
        _read_key(credstore, "credential " + CREDENTIAL_NAME, config.source),
        f"{credstore} (the unit's LoadCredential=)",
    )


def find_api_key(config: Config, environ: dict[str, str] | None = None) -> ApiKey:
    """$CREDENTIALS_DIRECTORY/openai_api_key, then realtime.api_key_file, then OPENAI_API_KEY."""
    env = os.environ if environ is None else environ
    cred_dir = env.get("CREDENTIALS_DIRECTORY")
    if cred_dir and (Path(cred_dir) / CREDENTIAL_NAME).is_file():
        path = Path(cred_dir) / CREDENTIAL_NAME
        return ApiKey(
            _read_key(path, "credential " + CREDENTIAL_NAME, config.source),
            f"systemd credential {CREDENTIAL_NAME}",
        )
    if config.realtime.api_key_file:
        path = Path(config.realtime.api_key_file)
        return ApiKey(_read_key(path, "realtime.api_key_file", config.source), str(path))
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"):
        if env.get(name):
            return ApiKey(env[name].strip(), f"${name}")
    return ApiKey(None, "none")
