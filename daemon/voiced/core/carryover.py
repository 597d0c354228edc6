"""The conversation kept across sessions: a bounded record, replayed as GA items.

A new realtime session starts with an empty conversation. To carry it over rotations and
reconnects, the link replays the record after the new session is configured and before
any new turn: user text as a user message with `input_text`, assistant text as an
assistant message with `output_text`. Pure: no I/O, no clock.

An answer the user interrupted is kept only as far as it was heard: the server drops the
transcript of a truncated item, and the replay must not hand the next session words the
user never heard. Audio and text are not aligned word by word, so the heard share of the
audio cuts the text at the same share, at a word boundary, marked with "…".
"""

from __future__ import annotations

from collections import deque
from typing import Any, Literal

Role = Literal["user", "assistant"]
MAX_PENDING_CUTS = 8
"""Interrupted answers whose transcript has not arrived yet (bounded under any server)."""


def heard_part(text: str, fraction: float) -> str:
    """The first `fraction` of `text`, cut back to a word boundary, "…" marking the cut."""
    if fraction >= 1.0:
        return text
    if not fraction > 0.0:  # also NaN
        return ""
    end = int(len(text) * fraction)
    kept = text[:end]
    if end < len(text) and not text[end].isspace() and " " in kept:
        kept = kept[: kept.rindex(" ")]
    kept = kept.rstrip()
    return f"{kept} …" if kept else ""


class ConversationRecord:
    """The last `max_turns` messages (a turn is one user or assistant message), in order,
    holding at most `max_chars` characters of text in total; the oldest go first.
    """

    def __init__(self, *, max_turns: int = 20, max_chars: int = 8000) -> None:
        if max_turns < 1 or max_chars < 1:
            raise ValueError("max_turns and max_chars must be at least 1")
        self.max_turns = max_turns
        self.max_chars = max_chars
        self._turns: deque[tuple[Role, str, str | None]] = deque()
        self.chars = 0
        self._cuts: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._turns)

    def add(self, role: Role, text: str, item_id: str | None = None) -> None:
        """Record one finished message; blank text is ignored, a huge one keeps its end.
        An assistant item already cut by `heard()` keeps only its heard part."""
        if item_id is not None and item_id in self._cuts:
            text = heard_part(text.strip(), self._cuts.pop(item_id))
        text = text.strip()
        if not text:
            return
        if len(text) > self.max_chars:
            text = text[-self.max_chars :]
        self._turns.append((role, text, item_id))
        self.chars += len(text)
        while len(self._turns) > self.max_turns or self.chars > self.max_chars:
            _, old, _ = self._turns.popleft()
            self.chars -= len(old)

    def heard(self, item_id: str, fraction: float) -> None:
        """The user heard only `fraction` of the audio of assistant item `item_id`: keep
        that share of its text, whether the transcript is recorded already or comes later."""
        for index, (role, text, recorded_id) in enumerate(self._turns):
            if recorded_id == item_id:
                kept = heard_part(text, fraction)
                self.chars += len(kept) - len(text)
                if kept:
                    self._turns[index] = (role, kept, item_id)
                else:
                    del self._turns[index]
                return
        self._cuts[item_id] = fraction
        while len(self._cuts) > MAX_PENDING_CUTS:
            del self._cuts[next(iter(self._cuts))]

    def clear(self) -> None:
        self._turns.clear()
        self._cuts.clear()
        self.chars = 0

    def items(self) -> list[dict[str, Any]]:
        """The record as GA `conversation.item.create` items, oldest first."""
        return [_item(role, text) for role, text, _ in self._turns]


def _item(role: Role, text: str) -> dict[str, Any]:
    kind = "input_text" if role == "user" else "output_text"
    return {"type": "message", "role": role, "content": [{"type": kind, "text": text}]}
