"""MicGate: half-duplex only in vad mode, with an echo tail."""

from __future__ import annotations

from voiced.core.duplex import MicGate


def test_vad_half_duplex_gates_while_speaking_and_for_the_tail() -> None:
    """Closed while the speaker plays and tail_ms after; open again afterwards."""
    gate = MicGate(mode="vad", half_duplex=True, tail_ms=300)
    assert gate.allow(speaker_playing=False, now_s=0.0)
    assert not gate.allow(speaker_playing=True, now_s=1.0)
    assert not gate.allow(speaker_playing=False, now_s=1.2)
    assert gate.allow(speaker_playing=False, now_s=1.31)


def test_push_to_talk_and_full_duplex_never_gate() -> None:
    """hold/toggle modes and half_duplex=false forward every frame."""
    for gate in (MicGate(mode="hold", half_duplex=True), MicGate(mode="vad", half_duplex=False)):
        assert gate.allow(speaker_playing=True, now_s=0.0)
