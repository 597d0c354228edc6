"""The conversation record: bounded by turns and characters, replayed as strict GA items."""

from __future__ import annotations

import pytest

from voiced.core import protocol as rt
from voiced.core.carryover import MAX_PENDING_CUTS, ConversationRecord, heard_part

from conformance import validate_client_frame


def test_keeps_order_and_roles_as_ga_items() -> None:
    """User text is input_text, assistant text output_text, in the order said."""
    record = ConversationRecord()
    record.add("user", "What is the capital of France?")
    record.add("assistant", "Paris.")
    items = record.items()
    assert [(i["role"], i["content"][0]["type"]) for i in items] == [
        ("user", "input_text"),
        ("assistant", "output_text"),
    ]
    for n, item in enumerate(items):
        validate_client_frame(rt.item_create(f"event_{n}", item))


def test_bounded_by_turns() -> None:
    """Past max_turns the oldest messages go."""
    record = ConversationRecord(max_turns=20)
    for i in range(50):
        record.add("user" if i % 2 == 0 else "assistant", f"message {i}")
    texts = [item["content"][0]["text"] for item in record.items()]
    assert texts == [f"message {i}" for i in range(30, 50)]


def test_bounded_by_characters() -> None:
    """Past max_chars the oldest messages go; one huge message keeps its end."""
    record = ConversationRecord(max_chars=100)
    for i in range(10):
        record.add("user", f"{i}" * 30)
    assert record.chars <= 100 and len(record) == 3
    record.add("assistant", "a" * 50 + "b" * 150)
    assert record.items() == [
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "b" * 100}],
        }
    ]


def test_blank_text_is_not_a_turn() -> None:
    """Empty transcripts (a failed transcription) are not replayed."""
    record = ConversationRecord()
    record.add("user", "   ")
    assert record.items() == []
    with pytest.raises(ValueError):
        ConversationRecord(max_turns=0)


def test_heard_part_cuts_at_a_word_and_marks_the_cut() -> None:
    """Half of the audio heard keeps about half of the words, ending in "…"; all or nothing
    heard keeps all or nothing."""
    text = "The capital of France is Paris, a city on the Seine."
    half = heard_part(text, 0.5)
    assert half.endswith(" …") and text.startswith(half[:-2])
    assert len(text) * 0.3 < len(half) < len(text) * 0.6
    assert half[:-2].split()[-1] in text.split()  # a whole word, not a piece of one
    assert heard_part(text, 1.0) == text and heard_part(text, 1.7) == text
    assert heard_part(text, 0.0) == "" and heard_part(text, float("nan")) == ""


def test_interrupted_answer_keeps_only_what_was_heard() -> None:
    """heard() before or after the transcript arrives cuts the same; 0 drops the answer;
    the character count follows; pending cuts stay bounded."""
    text = "one two three four five six seven eight nine ten"
    before, after, nothing = ConversationRecord(), ConversationRecord(), ConversationRecord()
    before.heard("item_a", 0.3)
    before.add("assistant", text, "item_a")
    after.add("assistant", text, "item_a")
    after.heard("item_a", 0.3)
    assert before.items() == after.items()
    assert before.items()[0]["content"][0]["text"] == heard_part(text, 0.3)
    assert after.chars == len(heard_part(text, 0.3))
    nothing.add("user", "hi")
    nothing.add("assistant", text, "item_b")
    nothing.heard("item_b", 0.0)
    assert [i["role"] for i in nothing.items()] == ["user"] and nothing.chars == 2
    for n in range(100):
        nothing.heard(f"unknown_{n}", 0.5)
    assert len(nothing._cuts) <= MAX_PENDING_CUTS
