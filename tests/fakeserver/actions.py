"""What the protocol state asks its connection driver to do, and client-error plumbing."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from fakeserver.events import Event


@dataclass(frozen=True)
class Send:
    """Send this event."""

    event: Event


@dataclass(frozen=True)
class StartStream:
    """Start streaming the response with this id (``RealtimeSession.stream``)."""

    response_id: str


@dataclass(frozen=True)
class StopStream:
    """Cancel the running response stream before the next actions."""


Action = Send | StartStream | StopStream


class ClientError(Exception):
    """A client event the server answers with an ``error`` event."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


def missing(param: str) -> ClientError:
    """The API's error for a required parameter that is absent."""
    return ClientError(
        "missing_required_parameter", f"Missing required parameter: '{param}'.", param
    )


def decode_b64(value: Any, param: str) -> bytes:
    """Strictly decode a base64 field of a client event, or raise ClientError."""
    if not isinstance(value, str):
        raise missing(param)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ClientError(
            "invalid_value", f"Invalid '{param}': the value is not valid base64.", param
        ) from None
