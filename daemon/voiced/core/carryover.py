"""The conversation kept across sessions: a bounded record, replayed as GA items.

A new realtime session starts with an empty conversation. To carry it over rotations and
reconnects, the link replays the record after the new session is configured and before
any new turn: user text as a user message with `input_text`, assistant text as an
assistant message with `output_text`. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Literal

Role = Literal["user", "assistant"]


class ConversationRecord:
    """The last `max_turns` messages (a turn is one user or assistant message), in order,
    holding at most `max_chars` characters of text in total; the oldest go first.
    """

    def __init__(self, *, max_turns: int = 20, max_chars: int = 8000) -> None:
        if max_turns < 1 or max_chars < 1:
            raise ValueError("max_turns and max_chars must be at least 1")
        self.max_turns = max_turns
        self.max_chars = max_chars
        self._turns: deque[tuple[Role, str]] = deque()
        self.chars = 0

    def __len__(self) -> int:
        return len(self._turns)

    def add(self, role: Role, text: str) -> None:
        """Record one finished message; blank text is ignored, a huge one keeps its end."""
        text = text.strip()
        if not text:
            return
        if len(text) > self.max_chars:
            text = text[-self.max_chars :]
        self._turns.append((role, text))
        self.chars += len(text)
        while len(self._turns) > self.max_turns or self.chars > self.max_chars:
            _, old = self._turns.popleft()
            self.chars -= len(old)

    def clear(self) -> None:
        self._turns.clear()
        self.chars = 0

    def items(self) -> list[dict[str, Any]]:
        """The record as GA `conversation.item.create` items, oldest first."""
        return [_item(role, text) for role, text in self._turns]


def _item(role: Role, text: str) -> dict[str, Any]:
    kind = "input_text" if role == "user" else "output_text"
    return {"type": "message", "role": role, "content": [{"type": kind, "text": text}]}
