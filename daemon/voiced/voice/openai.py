"""OpenAIRealtimeVoice: the GA Realtime API over WebSocket (OpenAI, Azure, compatible)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from voiced.config.link import LinkConfig
from voiced.core import protocol as rt
from voiced.core.carryover import ConversationRecord
from voiced.core.reconnect import default_rotate_after_s
from voiced.core.session import build_session, deep_merge
from voiced.errors import CredentialsRejectedError, NotConnectedError, RealtimeError, ServerError
from voiced.link import LinkState, RealtimeLink, realtime_endpoint
from voiced.logs import register_secret
from voiced.voice.base import Audio, RealtimeVoice, Tool
from voiced.voice.shape import ga_session

log = logging.getLogger(__name__)

#: Server error codes that only mean "you asked for something already true".
HARMLESS_CODES = frozenset(
    {"response_cancel_not_active", "conversation_already_has_active_response"}
)
#: The most audio one append carries (0.5 s); longer input is split.
MAX_APPEND_BYTES = 24_000


class OpenAIRealtimeVoice(RealtimeVoice):
    """A realtime speech-to-speech session that reconnects and re-configures itself.

    >>> voice = OpenAIRealtimeVoice(model="gpt-realtime", speaker="alloy")
    >>> voice.on("speaker", play_stream)            # doctest: +SKIP
    >>> await voice.connect(timeout=10.0, reconnect=True)   # doctest: +SKIP

    `api_key=None` reads OPENAI_API_KEY (AZURE_OPENAI_API_KEY for Azure). `url` points at
    Azure (`wss://<resource>.openai.azure.com/openai/v1/realtime`) or any compatible server;
    ws:// only to this machine. `session_config` holds GA session.update fields merged over
    the defaults (server VAD, 24 kHz PCM both ways, input transcription).
    """

    def __init__(
        self,
        *,
        model: str = "gpt-realtime",
        api_key: str | None = None,
        url: str | None = None,
        session_config: Mapping[str, Any] | None = None,
        speaker: str = "alloy",
        provider: str | None = None,
        link_config: LinkConfig | None = None,
    ) -> None:
        super().__init__(speaker=speaker)
        self.model = model
        self.provider = provider or (
            "azure" if url and ".azure.com" in url else "compatible" if url else "openai"
        )
        env = "AZURE_OPENAI_API_KEY" if self.provider == "azure" else "OPENAI_API_KEY"
        self._api_key = api_key or os.environ.get(env) or os.environ.get("OPENAI_API_KEY")
        register_secret(self._api_key)
        self.url = url
        realtime_endpoint(provider=self.provider, model=model, api_key=None, url=url)  # checks url
        self.session_config: dict[str, Any] = deep_merge(
            build_session(voice=speaker, talk_mode="vad"),
            ga_session(session_config or {}, prefix="session_config", file="(arguments)"),
        )
        self.link_config = link_config or LinkConfig()
        self.record = ConversationRecord(
            max_turns=self.link_config.carry_over_turns,
            max_chars=self.link_config.carry_over_chars,
        )
        """What was said, replayed into each new session (link.carry_over)."""
        self.tools: dict[str, Tool] = {}
        self.link: RealtimeLink | None = None

    def __repr__(self) -> str:  # never the key
        return f"OpenAIRealtimeVoice(model={self.model!r}, provider={self.provider!r})"

    # ---- connection -----------------------------------------------------------------------

    def _make_link(self) -> RealtimeLink:
        if not self._api_key and self.provider != "compatible":
            raise CredentialsRejectedError(
                401,
                "no API key: pass api_key=, set OPENAI_API_KEY, or configure "
                "realtime.api_key_file / the openai_api_key credential",
            )
        endpoint = realtime_endpoint(
            provider=self.provider, model=self.model, api_key=self._api_key, url=self.url
        )
        rotate = self.link_config.rotate_after_s
        return RealtimeLink(
            endpoint,
            session=lambda: self.session_config,
            on_event=self._on_event,
            on_state=self._on_state,
            on_error=lambda exc: self.emit("error", exc),
            is_idle=lambda: self.idle,
            replay=self.record.items,
            config=self.link_config,
            rotate_after_s=rotate if rotate is not None else default_rotate_after_s(self.provider),
        )

    async def connect(self, timeout: float = 10.0, reconnect: bool = False) -> None:
        """Return once the session is live and configured, within `timeout` seconds.

        Raises ConnectTimeoutError, CredentialsRejectedError, HTTPStatusError,
        ConnectionRefusedByPeer or ServerError; never hangs. With `reconnect`, drops are
        retried (with backoff) until close(); fatal errors stop it with an "error" event.
        """
        if self.link is None:
            self.link = self._make_link()
        await self.link.connect(timeout_s=timeout, reconnect=reconnect)

    def start(self) -> None:
        """Keep a session up in the background from now on (the daemon's way)."""
        if self.link is None:
            self.link = self._make_link()
        self.link.start()

    async def close(self) -> None:
        if self.link is not None:
            await self.link.close()
        self._abort_responses("closed")

    def retry_now(self) -> None:
        """A person acted: forget the backoff streak (and a fatal stop) and connect now."""
        if self.link is not None:
            self.link.retry_now()

    @property
    def connected(self) -> bool:
        return self.link is not None and self.link.live

    # ---- sending --------------------------------------------------------------------------

    async def _send(self, frame: str | bytes, audio_ms: float = 0.0) -> None:
        if self.link is None:
            raise NotConnectedError("not connected: call connect() first")
        await self.link.send_frame(frame, audio_ms=audio_ms)

    def _next_id(self) -> str:
        assert self.link is not None
        return self.link.ids.next()

    async def send(self, audio: Audio) -> None:
        """Append 24 kHz s16le mono audio: bytes, or an async iterable of chunks."""
        if isinstance(audio, bytes | bytearray | memoryview):
            data = audio if isinstance(audio, bytes) else bytes(audio)
            if len(data) <= MAX_APPEND_BYTES:  # a mic frame: the usual case, no copy
                await self._append(data)
                return
            for start in range(0, len(data), MAX_APPEND_BYTES):
                await self._append(data[start : start + MAX_APPEND_BYTES])
            return
        async for chunk in audio:
            await self._append(bytes(chunk))

    async def _append(self, pcm: bytes) -> None:
        if not pcm:
            return
        if self.link is None:
            raise NotConnectedError("not connected: call connect() first")
        await self._send(rt.input_audio_append(self._next_id(), pcm), rt.pcm_ms(len(pcm)))
        self.tracker.on_appended(len(pcm))

    @property
    def push_to_talk(self) -> bool:
        audio_in = self.session_config.get("audio", {}).get("input", {})
        return audio_in.get("turn_detection") is None

    async def answer(self) -> None:
        """End the user's turn and ask for a response (push-to-talk: commit the input
        first). Whether a turn is long enough to send is the caller's decision (the daemon's
        conversation machine); the server refuses a commit of less than 100 ms."""
        if self.push_to_talk and self.tracker.input_bytes:
            await self._send(rt.input_audio_commit(self._next_id()))
            self.tracker.on_committed()
        await self._send(rt.response_create(self._next_id()))

    async def clear_input(self) -> None:
        """Forget the input buffered since the last commit."""
        await self._send(rt.input_audio_clear(self._next_id()))
        self.tracker.on_committed()

    async def interrupt(self, played_ms: int | None = None) -> None:
        """Barge-in: cancel the active response and truncate it to what was heard."""
        response_id = self.tracker.active_response_id
        if response_id is not None:
            await self._send(rt.response_cancel(self._next_id(), response_id))
        if played_ms is not None:
            item_id = self.tracker.audio_item_id
            cut = self.tracker.truncation(played_ms)
            if item_id is not None:  # carry over only what was heard (nothing: 0 ms)
                received_ms = self.tracker.received_ms(item_id)
                heard_ms = cut.audio_end_ms if cut is not None else 0
                self.record.heard(item_id, heard_ms / received_ms if received_ms else 0.0)
            if cut is not None:
                await self._send(
                    rt.item_truncate(
                        self._next_id(), cut.item_id, cut.content_index, cut.audio_end_ms
                    )
                )
                self.tracker.audio_item_id = None

    async def speak(self, text: str) -> None:
        """Have the model say `text` aloud."""
        await self._send(
            rt.response_create(
                self._next_id(), {"instructions": f"Say exactly this, and nothing else: {text}"}
            )
        )

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        """Add a user text message (and ask for a response)."""
        await self._send(rt.item_create(self._next_id(), rt.user_text_item(text)))
        self.record.add("user", text)
        if respond:
            await self._send(rt.response_create(self._next_id()))

    async def update_config(self, session: Mapping[str, Any]) -> None:
        """Merge GA session fields; kept for every later reconnect, sent now when live."""
        session = ga_session(session, prefix="update_config", file="(arguments)")
        self.session_config = deep_merge(self.session_config, session)
        if self.connected:
            # GA requires session.type on every update, partial or not.
            await self._send(rt.session_update(self._next_id(), {"type": "realtime", **session}))

    async def add_instructions(self, instructions: str) -> None:
        await self.update_config({"instructions": instructions})

    async def add_tools(self, tools: Mapping[str, tuple[str, dict[str, Any], Tool]]) -> None:
        """Function tools: name → (description, JSON-schema parameters, async callable)."""
        for name, (_, _, run) in tools.items():
            self.tools[name] = run
        specs = [
            {"type": "function", "name": name, "description": desc, "parameters": params}
            for name, (desc, params, _) in tools.items()
        ]
        existing = [t for t in self.session_config.get("tools", []) if t.get("name") not in tools]
        await self.update_config({"tools": existing + specs, "tool_choice": "auto"})

    # ---- receiving ------------------------------------------------------------------------

    def _on_state(self, state: LinkState, detail: str) -> None:
        if state in (LinkState.OFFLINE, LinkState.FAILED, LinkState.CLOSED):
            self._abort_responses("interrupted")
        self.emit("state", state, detail)

    def _on_event(self, event: rt.ServerEvent) -> None:
        match event:
            case rt.AudioDelta():
                self._audio(event.response_id, event.item_id, event.pcm)
            case rt.ResponseCreated():
                self._response_started(event.response_id)
            case rt.ResponseDone():
                self._response_done(event.response_id, event.status)
                if event.error_code:
                    log.warning(
                        "response %s ended %s: %s",
                        event.response_id,
                        event.status,
                        event.error_code,
                    )
            case rt.TranscriptDelta(role="assistant"):
                self.emit("writing", event.text, "assistant")
            case rt.TranscriptDone(role="user"):
                self.record.add("user", event.text)
                self.emit("writing", event.text, "user")
            case rt.TranscriptDone(role="assistant"):
                self.record.add("assistant", event.text, event.item_id)
            case rt.SpeechStarted():
                self.emit("speech_started")
            case rt.SpeechStopped():
                self.emit("speech_stopped")
            case rt.InputCommitted():
                self.tracker.on_committed()
            case rt.FunctionCallDone():
                self._call_tool(event)
            case rt.ServerErrorEvent():
                self._server_error(event)
            case _:
                pass

    def _server_error(self, event: rt.ServerErrorEvent) -> None:
        if event.code in HARMLESS_CODES:
            log.debug("server: %s (harmless)", event.code)
            return
        log.warning(
            "server error %s: %s",
            event.code or event.error_type,
            event.message[:200],
            extra={"VOICED_EVENT": "server_error", "VOICED_CODE": event.code or ""},
        )
        self.emit("error", ServerError(event.code or event.error_type, event.message[:300]))

    def _call_tool(self, event: rt.FunctionCallDone) -> None:
        run = self.tools.get(event.name)
        if run is None:
            return

        async def call() -> None:
            try:
                args = json.loads(event.arguments or "{}")
                result = await run(args if isinstance(args, dict) else {})
                output = result if isinstance(result, str) else json.dumps(result)
            except Exception as exc:  # a tool's failure is the model's to hear about
                output = json.dumps({"error": str(exc)[:200]})
            try:
                await self._send(
                    rt.item_create(
                        self._next_id(), rt.function_call_output_item(event.call_id, output)
                    )
                )
                await self._send(rt.response_create(self._next_id()))
            except RealtimeError as exc:
                log.warning("could not return the result of %s: %s", event.name, exc)

        self.spawn(call(), name=f"voiced-tool-{event.name}")
