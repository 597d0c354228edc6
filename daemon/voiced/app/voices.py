"""Pick the realtime provider the configuration asks for."""

from __future__ import annotations

import logging

from voiced.app.credentials import ApiKey
from voiced.config import Config
from voiced.core.session import build_session, deep_merge
from voiced.errors import ConfigError
from voiced.link.endpoint import realtime_endpoint
from voiced.voice import LoopbackVoice, OpenAIRealtimeVoice, RealtimeVoice
from voiced.voice.shape import ga_session

log = logging.getLogger(__name__)


def session_for(config: Config) -> dict[str, object]:
    rt, talk = config.realtime, config.talk
    session = ga_session(rt.session, prefix="realtime.session", file=config.source)
    base = build_session(
        voice=rt.voice,
        instructions=rt.instructions,
        talk_mode=talk.mode,
        vad_threshold=talk.vad_threshold,
        vad_silence_duration_ms=talk.vad_silence_duration_ms,
    )
    return deep_merge(base, session)


def make_voice(config: Config, key: ApiKey) -> RealtimeVoice:
    """OpenAI/Azure/compatible when configured, else the loopback provider (with a warning)."""
    provider = config.realtime.provider
    if provider is None:
        provider = "openai" if key.value else "loopback"
        if provider == "loopback":
            log.warning(
                "no API key configured: using the loopback provider (you will hear "
                "yourself). Set the openai_api_key credential or realtime.api_key_file",
                extra={"VOICED_EVENT": "loopback"},
            )
    if provider == "loopback":
        return LoopbackVoice(speaker=config.realtime.voice)
    if not key.value and provider != "compatible":
        raise ConfigError(
            "realtime.api_key_file",
            config.source,
            f"realtime.provider is {provider!r} but no API key was found",
            "add LoadCredential=openai_api_key:… to the unit, set "
            "realtime.api_key_file, or set OPENAI_API_KEY",
        )
    # Validate the URL now, so a bad one is a configuration error, not a retry loop.
    realtime_endpoint(
        provider=provider,
        model=config.realtime.model,
        api_key=key.value,
        url=config.realtime.url,
        config_file=config.source,
    )
    return OpenAIRealtimeVoice(
        model=config.realtime.model,
        api_key=key.value,
        url=config.realtime.url,
        session_config=session_for(config),
        speaker=config.realtime.voice,
        provider=provider,
        link_config=config.link,
    )
