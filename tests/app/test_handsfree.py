"""Hands-free through the whole daemon on a virtual clock: the real wake-word detector on
espeak-ng speech, the fake server's VAD ending turns, earcons and notices at the speaker,
the mute switch on a mock pin, and echo cancellation on a simulated room."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from voiced.app.credentials import find_api_key
from voiced.app.daemon import Daemon
from voiced.app.handsfree import hands_free
from voiced.app.notify import Notifier
from voiced.app.sounds import Sounds
from voiced.app.voices import make_voice
from voiced.config import (
    AudioConfig,
    Config,
    LinkConfig,
    PanelConfig,
    RealtimeConfig,
    SoundsConfig,
    TalkConfig,
    WakeConfig,
)
from voiced.core.status import LinkState, Status, TalkEvent
from voiced.panel.gpio import GpioPanel
from voiced.panel.null import NullPanel
from voiced.panel.profiles import load_profile
from voiced.ports import Panel

from conftest import API_KEY, checked_server, wait_until
from fakes import EchoRoom, FakeMicrophone, FakeSpeaker, RoomSpeaker, VirtualClock
from fakeserver import FakeRealtimeServer, tone
from speech_rig import have_espeak, room_response, scale_to, silence, speak

pytestmark = pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed")

RATE_HZ = 24000


def pcm(*parts: np.ndarray) -> bytes:
    return np.concatenate(parts).astype("<i2").tobytes()


def config_for(srv: FakeRealtimeServer, **audio: object) -> Config:
    """wake with "alexa", a 3 s follow-up; echo cancellation off unless `audio` says so (the
    fake ports have no echo path)."""
    return Config(
        realtime=RealtimeConfig(provider="compatible", url=srv.url),
        link=LinkConfig(backoff_initial_s=0.05, backoff_max_s=0.2),
        talk=TalkConfig(mode="wake", vad_silence_duration_ms=500),
        wake=WakeConfig(model="alexa", follow_up_s=3.0),
        audio=AudioConfig(**{"echo_cancel": False, **audio}),  # type: ignore[arg-type]
        sounds=SoundsConfig(notices=False),
        panel=PanelConfig(board="none"),
    )


@contextlib.asynccontextmanager
async def appliance(
    srv: FakeRealtimeServer,
    config: Config,
    *,
    panel: Panel | None = None,
    ports: tuple[VirtualClock, FakeMicrophone, FakeSpeaker] | None = None,
) -> AsyncIterator[tuple[Daemon, FakeMicrophone, FakeSpeaker, VirtualClock]]:
    if ports is None:
        clock = VirtualClock()
        mic, speaker = FakeMicrophone(clock), FakeSpeaker(clock)
    else:
        clock, mic, speaker = ports
    daemon = Daemon(
        config,
        voice=make_voice(config, find_api_key(config, {"OPENAI_API_KEY": API_KEY})),
        mic=mic,
        speaker=speaker,
        panel=panel if panel is not None else NullPanel("test"),
        notifier=Notifier(),
        clock=clock,
        sounds=Sounds(config, state_dir=None),
        hands_free=hands_free,
    )
    run = asyncio.create_task(daemon.run())
    try:
        await wait_until(lambda: daemon.machine.link is LinkState.LIVE)
        yield daemon, mic, speaker, clock
    finally:
        daemon.stop()
        assert await asyncio.wait_for(run, 10.0) == 0


def question(text: str) -> np.ndarray:
    return scale_to(speak(text, "en-us", 160, rate_hz=RATE_HZ), -18.0)


async def test_wake_word_turn_answer_follow_up_and_back_to_idle() -> None:
    """ "alexa", a question: listening (earcon), the turn reaches the server, which ends it
    and answers; after the answer a follow-up question needs no wake word; silence after it
    returns to idle."""
    async with checked_server() as srv, appliance(srv, config_for(srv)) as (d, mic, spk, _):
        srv.response_audio = tone(0.5, 330.0)
        assert d.status is Status.READY
        wake = scale_to(speak("alexa", "en-us", 150, rate_hz=RATE_HZ), -18.0)
        await mic.say(pcm(silence(0.5), wake, silence(0.3)))
        assert d.status is Status.LISTENING
        assert spk.sounds() == ["listening"]
        await mic.say(pcm(question("what is the weather like today"), silence(1.0)))
        conn = srv.connections[0]
        await wait_until(lambda: "response.created" in conn.sent_types)
        await wait_until(lambda: d.status is Status.SPEAKING)
        assert "sent" in spk.sounds()
        assert len(conn.input_audio) > 0
        spk.play_out()  # the answer has been heard: the follow-up window opens
        await wait_until(lambda: d.status is Status.LISTENING)
        responses = conn.sent_types.count("response.created")
        await mic.say(pcm(question("and tomorrow"), silence(1.0)))
        await wait_until(lambda: conn.sent_types.count("response.created") == responses + 1)
        await wait_until(lambda: d.status is Status.SPEAKING)
        spk.play_out()
        await wait_until(lambda: d.status is Status.LISTENING)
        await mic.say(pcm(silence(3.5)))  # nobody speaks in the follow-up window
        await wait_until(lambda: d.status is Status.READY)
        sent = len(conn.input_audio)
        await mic.say(pcm(question("this is not for the assistant"), silence(0.5)))
        assert len(conn.input_audio) == sent  # idle again: nothing leaves without the word
        assert d.turns == 2


async def test_sounds_off_plays_no_earcons() -> None:
    """sounds.enabled = false: the same wake plays nothing of its own."""
    async with checked_server() as srv:
        config = config_for(srv)
        config = replace(config, sounds=SoundsConfig(enabled=False))
        async with appliance(srv, config) as (d, mic, spk, _):
            wake = scale_to(speak("alexa", "en-us", 150, rate_hz=RATE_HZ), -18.0)
            await mic.say(pcm(silence(0.5), wake, silence(0.3)))
            assert d.status is Status.LISTENING
            assert spk.sounds() == []


async def test_offline_turn_plays_the_offline_notice() -> None:
    """hold mode, the link down: the sent turn is kept and the offline sound plays."""
    async with checked_server() as srv:
        config = replace(config_for(srv), talk=TalkConfig(mode="hold"))
        async with appliance(srv, config) as (d, mic, spk, _):
            srv.faults = srv.faults.__class__(reject_status=503)
            await srv.drop_all(1011)
            await wait_until(lambda: d.machine.link is not LinkState.LIVE)
            d.on_input(TalkEvent.TALK_START)
            await mic.speak(1.0)
            d.on_input(TalkEvent.TALK_END)
            assert spk.sounds()[-1] == "offline"  # notices off: the offline earcon


async def test_the_mute_switch_closes_capture(tmp_path: Path) -> None:
    """A mute switch on a mock pin: capture closed (the mic stopped), status muted (switch);
    switched back: the mic is opened again and listening resumes."""
    factory = MockFactory(pin_class=MockPWMPin)
    profile = tmp_path / "switch.toml"
    profile.write_text(
        'name = "switch"\n[buttons.talk]\npin = 17\n[buttons.mute_switch]\npin = 22\n'
        '[light]\ndriver = "led"\npin = 27\n'
    )
    async with checked_server() as srv:
        config = replace(config_for(srv), talk=TalkConfig(mode="hold"))
        panel_clock = VirtualClock()
        panel = GpioPanel(
            load_profile(profile), config.talk, pin_factory=factory, clock=panel_clock
        )
        async with appliance(srv, config, panel=panel) as (d, mic, _, _):
            assert mic.started
            factory.pin(22).drive_low()  # switched on
            await wait_until(lambda: d.status is Status.MUTED)
            assert d.status_detail == "muted (switch)"
            assert d.snapshot()["muted"] == "switch"  # what `voiced ctl status` says
            await wait_until(lambda: not mic.started)
            panel_clock.advance(1.0)
            factory.pin(22).drive_high()  # switched off
            await wait_until(lambda: mic.started and mic.starts == 2)
            await wait_until(lambda: d.status is Status.READY)
    factory.reset()
    factory.close()


REPLY = (
    "Here is a long answer from the assistant about the weather, the news and the time of "
    "day, spoken without a pause, so that the echo canceller has to keep up for a while."
)


@pytest.mark.parametrize("echo_cancel", [True, False])
async def test_echo_path_with_and_without_echo_cancellation(echo_cancel: bool) -> None:
    """vad, a long spoken reply echoing back through a room into the mic. With echo
    cancellation the assistant's own voice does not trigger the server's VAD, and a person
    talking over it does: the reply stops. Without it the half-duplex gate holds: nothing is
    forwarded while it speaks, and the reply plays to its end."""
    async with checked_server() as srv:
        config = replace(config_for(srv, echo_cancel=echo_cancel), talk=TalkConfig(mode="vad"))
        clock = VirtualClock()
        mic, speaker = FakeMicrophone(clock), RoomSpeaker(clock)
        room = EchoRoom(speaker, mic, room_response(RATE_HZ, delay_ms=45.0))
        reply = scale_to(speak(REPLY, "en-us+f2", 170, rate_hz=RATE_HZ), -20.0)
        srv.response_audio = reply.tobytes()
        async with appliance(srv, config, ports=(clock, mic, speaker)) as (d, _, _, _):
            assert (d.feed.canceller is not None) is echo_cancel
            await room.run(silence(0.5))
            await d.voice.send_text("tell me everything")
            await wait_until(lambda: speaker.is_playing())
            conn = srv.connections[0]
            before = len(conn.input_audio)
            await room.run(silence(5.0))  # 5 s of the reply, echoing
            assert "input_audio_buffer.speech_started" not in conn.sent_types
            assert speaker.flushes == []
            if echo_cancel:
                assert len(conn.input_audio) > before  # the mic stays open while it speaks
            else:
                assert len(conn.input_audio) == before  # gated
            talker = scale_to(speak("stop, stop please", "en+m3", 160, rate_hz=RATE_HZ), -20.0)
            await room.run(np.concatenate([talker, silence(0.5)]))
            if echo_cancel:
                await wait_until(lambda: bool(speaker.flushes))
                assert "input_audio_buffer.speech_started" in conn.sent_types
                await wait_until(lambda: "conversation.item.truncate" in conn.received_types)
                heard_ms = speaker.heard_ms
                assert 5000 < heard_ms < len(reply) // RATE_HZ * 1000  # it stopped midway
            else:
                assert speaker.flushes == []
