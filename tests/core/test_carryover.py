"""The conversation record: bounded by turns and characters, replayed as strict GA items."""

from __future__ import annotations

import pytest

from voiced.core import protocol as rt
from voiced.core.carryover import ConversationRecord

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
