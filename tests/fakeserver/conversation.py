"""The conversation: ordered items, client item validation, truncation arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakeserver.actions import ClientError, missing
from fakeserver.events import BYTES_PER_MS, Event


@dataclass
class Item:
    """One conversation item and, for assistant audio, how much of it was sent."""

    body: Event
    audio_sent_bytes: int = 0

    @property
    def is_assistant_audio(self) -> bool:
        """True for an assistant message whose first content part is audio."""
        content = self.body.get("content") or [{}]
        return self.body.get("role") == "assistant" and content[0].get("type") == "output_audio"


class Conversation:
    """Items in order, as the server keeps them for one session."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.order: list[str] = []

    @property
    def last_id(self) -> str | None:
        """Id of the last item, the default ``previous_item_id``."""
        return self.order[-1] if self.order else None

    def add(self, body: Event, previous_item_id: str | None = None) -> str | None:
        """Insert ``body`` after ``previous_item_id`` (default: at the end; "root": first).

        Returns the ``previous_item_id`` to report (None when inserted first).
        """
        if previous_item_id is None:
            previous_item_id = self.last_id
        if previous_item_id in (None, "root"):
            index, previous = 0, None
        else:
            index, previous = self.order.index(previous_item_id) + 1, previous_item_id
        self.items[body["id"]] = Item(body)
        self.order.insert(index, body["id"])
        return previous

    def get(self, item_id: Any) -> Item:
        """The item with ``item_id`` or a ClientError naming it."""
        item = self.items.get(item_id) if isinstance(item_id, str) else None
        if item is None:
            raise ClientError(
                "invalid_value", f"Item with item_id '{item_id}' not found.", "item_id"
            )
        return item

    def delete(self, item_id: Any) -> str:
        """Remove an item; returns its id."""
        item = self.get(item_id)
        del self.items[item.body["id"]]
        self.order.remove(item.body["id"])
        return str(item.body["id"])

    def validate_client_item(self, item: Any, previous: Any, new_id: str) -> Event:
        """Check a ``conversation.item.create`` item; return the stored body."""
        if not isinstance(item, dict):
            raise missing("item")
        kind = item.get("type")
        if kind == "message":
            if item.get("role") not in ("user", "assistant", "system"):
                raise ClientError("invalid_value", "Invalid 'item.role'.", "item.role")
            if not isinstance(item.get("content"), list):
                raise missing("item.content")
        elif kind == "function_call_output":
            for key in ("call_id", "output"):
                if not isinstance(item.get(key), str):
                    raise missing(f"item.{key}")
        elif kind == "function_call":
            for key in ("call_id", "name", "arguments"):
                if not isinstance(item.get(key), str):
                    raise missing(f"item.{key}")
        else:
            raise ClientError("invalid_value", f"Invalid value: '{kind}'.", "item.type")
        item_id = item.get("id") or new_id
        if item_id in self.items:
            raise ClientError(
                "invalid_value", f"Item with id '{item_id}' already exists.", "item.id"
            )
        if previous is not None and previous != "root" and previous not in self.items:
            raise ClientError(
                "invalid_value",
                f"Previous item with id '{previous}' not found.",
                "previous_item_id",
            )
        return {**item, "id": item_id, "object": "realtime.item", "status": "completed"}

    def truncate(self, item_id: Any, content_index: Any, audio_end_ms: Any) -> Item:
        """Cut an assistant audio item at ``audio_end_ms``; errors like the API's."""
        item = self.get(item_id)
        if not item.is_assistant_audio:
            raise ClientError(
                "invalid_value", "Only assistant messages with audio can be truncated.", "item_id"
            )
        if content_index != 0:
            raise ClientError("invalid_value", "Invalid 'content_index'.", "content_index")
        if isinstance(audio_end_ms, bool) or not isinstance(audio_end_ms, int) or audio_end_ms <= 0:
            raise ClientError(
                "invalid_value",
                f"Invalid 'audio_end_ms': {audio_end_ms}. Expected a positive integer.",
                "audio_end_ms",
            )
        if audio_end_ms * BYTES_PER_MS > item.audio_sent_bytes:
            raise ClientError(
                "invalid_value",
                f"Audio content of {item.audio_sent_bytes // BYTES_PER_MS}ms is already "
                f"shorter than {audio_end_ms}ms",
                "audio_end_ms",
            )
        item.audio_sent_bytes = audio_end_ms * BYTES_PER_MS
        item.body["content"][0]["transcript"] = ""
        return item
