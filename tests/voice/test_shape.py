"""Beta-shaped session configs: mapped to GA with one warning per key, or refused by name."""

from __future__ import annotations

import logging

import pytest

from hostile import make_voice
from voiced.core import protocol as rt
from voiced.core.session import BETA_SESSION_KEYS, BetaKeyError, to_ga_session
from voiced.errors import ConfigError

from conformance import validate_client_frame
from conftest import wait_until
from fakeserver import FakeRealtimeServer

BETA = {
    "modalities": ["text", "audio"],
    "voice": "coral",
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 600},
    "input_audio_transcription": {"model": "gpt-4o-mini-transcribe"},
    "input_audio_noise_reduction": {"type": "near_field"},
    "max_response_output_tokens": 512,
    "instructions": "Be brief.",
}


def test_every_mappable_beta_key_lands_in_its_ga_place() -> None:
    """Each beta key with an exact GA place is moved there, and the result is strictly GA."""
    ga, moved = to_ga_session({"type": "realtime", **BETA})
    assert {key for key, _ in moved} == set(BETA) - {"instructions"}
    assert ga["audio"]["input"]["turn_detection"]["threshold"] == 0.5
    assert ga["audio"]["output"]["voice"] == "coral"
    assert ga["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert ga["output_modalities"] == ["audio"] and ga["max_output_tokens"] == 512
    assert not set(BETA_SESSION_KEYS) & set(ga)
    validate_client_frame(rt.session_update("event_1", ga))


@pytest.mark.parametrize(
    ("session", "key"),
    [
        ({"temperature": 0.8}, "temperature"),
        ({"input_audio_format": "opus"}, "input_audio_format"),
        ({"modalities": ["video"]}, "modalities"),
        ({"voice": "coral", "audio": {"output": {"voice": "ash"}}}, "voice"),
        ({"voice": "coral", "audio": "x"}, "voice"),
    ],
)
def test_inexact_beta_keys_are_refused_by_name(session: dict[str, object], key: str) -> None:
    """No GA place, no exact value, or a conflicting GA value: refused, naming the key."""
    with pytest.raises(BetaKeyError) as info:
        to_ga_session(session)
    assert info.value.key == key


async def test_library_maps_before_sending_and_warns_once(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """session_config= and update_config() in the beta shape go out GA, one warning a key."""
    caplog.set_level(logging.WARNING, logger="voiced")
    voice = make_voice(server, session_config={"voice": "verse"})
    make_voice(server, session_config={"voice": "verse"})
    await voice.connect(timeout=5.0, reconnect=True)
    await voice.update_config({"turn_detection": None, "voice": "sage"})
    conn = server.connections[0]
    await wait_until(lambda: conn.received_types.count("session.update") == 2)
    first, second = (e for e in conn.received_events() if e["type"] == "session.update")
    assert first["session"]["audio"]["output"]["voice"] == "verse"
    assert second["session"]["audio"]["input"]["turn_detection"] is None
    assert second["session"]["audio"]["output"]["voice"] == "sage"
    warnings = [r.getMessage() for r in caplog.records if "beta-era" in r.getMessage()]
    assert sum("session_config.voice" in w and "audio.output.voice" in w for w in warnings) <= 1
    assert any("turn_detection" in w for w in warnings)
    await voice.close()  # the checked server validates every frame strictly at teardown


async def test_library_refuses_before_sending(server: FakeRealtimeServer) -> None:
    """A beta key without a GA place: ConfigError naming it, and nothing is sent."""
    with pytest.raises(ConfigError) as info:
        make_voice(server, session_config={"temperature": 0.7})
    assert info.value.key == "session_config.temperature"
    voice = make_voice(server)
    await voice.connect(timeout=5.0)
    with pytest.raises(ConfigError):
        await voice.update_config({"temperature": 0.7})
    assert server.connections[0].received_types == ["session.update"]
    await voice.close()
