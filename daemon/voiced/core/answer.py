"""What the assistant is doing about the person's last turn: waiting for it, answering, being
heard. Pure bookkeeping for the conversation machine (which decides what to do about it)."""

from __future__ import annotations

from collections import deque

#: Responses remembered as stopped (their late audio is dropped); bounded over months.
STOPPED_IDS_KEPT = 8


class Answer:
    """The assistant's side of the turn."""

    def __init__(self) -> None:
        self.awaiting_since_s: float | None = None
        """A turn was sent and no response has started yet."""
        self.response_id: str | None = None
        """The response the server is producing."""
        self.playing = False
        """Its audio is being heard."""
        self.played_until_s: float | None = None
        """When the speaker last went quiet after an answer (the echo tail counts from it)."""
        self._cancel_next = False
        self._stopped: deque[str] = deque(maxlen=STOPPED_IDS_KEPT)

    @property
    def busy(self) -> bool:
        """A turn was sent, a response runs, or it is heard."""
        return self.awaiting_since_s is not None or self.response_id is not None or self.playing

    def sent(self, now_s: float) -> None:
        self.awaiting_since_s = now_s

    def stop(self) -> None:
        """The person talked over it: forget this answer; one that was asked for and has
        not started is stopped when it starts (see `started`)."""
        if self.response_id is None and self.awaiting_since_s is not None:
            self._cancel_next = True
        if self.response_id is not None:
            self._stopped.append(self.response_id)
        self.response_id = None
        self.awaiting_since_s = None
        self.playing = False

    def started(self, response_id: str) -> bool:
        """A response started; False when it answers a turn the person talked over (the
        caller cancels it)."""
        if self._cancel_next:
            self._cancel_next = False
            self._stopped.append(response_id)
            return False
        if response_id not in self._stopped:
            self.response_id = response_id
            self.awaiting_since_s = None
        return True

    def audio(self, response_id: str) -> bool:
        """Its audio arrived: play it? (Not a stopped response's.) True also when this is
        the first audio heard of it."""
        if response_id in self._stopped:
            return False
        if self.response_id is None:
            self.response_id = response_id
        self.awaiting_since_s = None
        self.playing = True
        return True

    def done(self, response_id: str) -> None:
        if response_id == self.response_id:
            self.response_id = None
        if response_id not in self._stopped:
            self.awaiting_since_s = None

    def heard(self, now_s: float) -> bool:
        """The speaker went quiet; True when an answer was being heard until now."""
        if not self.playing:
            return False
        self.playing = False
        self.played_until_s = now_s
        return True
