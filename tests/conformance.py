"""A strict validator of realtime frames, built from openai-python's GA event models.

The SDK's unions carry a private discriminator marker that pydantic ignores, and its models
accept unknown keys. So we rebuild each union as a pydantic discriminated union on "type",
validate raw JSON in strict mode (no "24000" for 24000), then walk the validated model tree
and fail on any `model_extra`: that is what catches beta-era keys such as `modalities`.

    validate_client_frame(frame)  -> the SDK model, or AssertionError naming type and keys
    validate_server_frame(frame)  -> same for server events (checks fakes against the SDK)
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Iterable
from typing import Annotated, Any, Union

import pydantic
from openai.types import realtime
from pydantic import BaseModel, Field, TypeAdapter

_MAX_ERRORS_SHOWN = 5

UNDOCUMENTED_SERVER_KEYS = frozenset({"session.id", "session.object", "session.expires_at"})
"""Keys the real server sends in session.created/updated that the SDK's session model lacks."""


def _union_members(alias: Any) -> tuple[type[BaseModel], ...]:
    """The models of an SDK union alias, Annotated wrappers removed."""
    while typing.get_origin(alias) is Annotated:
        alias = typing.get_args(alias)[0]
    if typing.get_origin(alias) not in (Union, types.UnionType):
        raise TypeError(f"not a Union: {alias!r}")
    members = typing.get_args(alias)
    for member in members:
        if not (isinstance(member, type) and issubclass(member, BaseModel)):
            raise TypeError(f"union member is not a pydantic model: {member!r}")
    return members


@functools.cache
def _strict_adapter(side: str) -> TypeAdapter[Any]:
    """Built on first use (about a second: the SDK models are deferred)."""
    members = CLIENT_EVENT_MODELS if side == "client" else SERVER_EVENT_MODELS
    union = Union[members]  # type: ignore[valid-type]  # noqa: UP007 - built from a tuple
    return TypeAdapter(Annotated[union, Field(discriminator="type")])


CLIENT_EVENT_MODELS = _union_members(realtime.RealtimeClientEvent)
SERVER_EVENT_MODELS = _union_members(realtime.RealtimeServerEvent)
CLIENT_EVENT_TYPES = frozenset(
    typing.get_args(model.model_fields["type"].annotation)[0] for model in CLIENT_EVENT_MODELS
)
SERVER_EVENT_TYPES = frozenset(
    typing.get_args(model.model_fields["type"].annotation)[0] for model in SERVER_EVENT_MODELS
)


def extra_keys(value: Any, path: str = "") -> list[str]:
    """Dotted paths of every key that no SDK model declares, anywhere under `value`."""
    found: list[str] = []
    if isinstance(value, BaseModel):
        found.extend(_join(path, key) for key in value.model_extra or {})
        for name in type(value).model_fields:
            found.extend(extra_keys(getattr(value, name), _join(path, name)))
    elif isinstance(value, list | tuple):
        for index, element in enumerate(value):
            found.extend(extra_keys(element, f"{path}[{index}]"))
    elif isinstance(value, dict):
        for key, element in value.items():
            found.extend(extra_keys(element, _join(path, str(key))))
    return found


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _event_type(frame: str | bytes) -> str:
    """The frame's type for messages, best effort."""
    try:
        data = json.loads(frame)
    except ValueError:
        return "<not JSON>"
    if isinstance(data, dict):
        return repr(data.get("type", "<no type>"))[:80]
    return f"<JSON {type(data).__name__}>"


def _validate(side: str, frame: str | bytes, allowed: frozenset[str] = frozenset()) -> Any:
    try:
        model = _strict_adapter(side).validate_json(frame, strict=True)
    except pydantic.ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or '<root>'}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        ]
        shown = "; ".join(problems[:_MAX_ERRORS_SHOWN])
        more = (
            f" (+{len(problems) - _MAX_ERRORS_SHOWN} more)"
            if len(problems) > _MAX_ERRORS_SHOWN
            else ""
        )
        raise AssertionError(
            f"{side} event {_event_type(frame)} is invalid in the GA schema: {shown}{more}"
        ) from None
    extras = [path for path in extra_keys(model) if path not in allowed]
    if extras:
        raise AssertionError(
            f"{side} event {model.type!r} has keys not in the GA schema: {', '.join(extras)}"
        )
    return model


def validate_client_frame(frame: str | bytes) -> Any:
    """The SDK model of one client frame; AssertionError unless it is strictly GA."""
    return _validate("client", frame)


def validate_client_frames(frames: Iterable[str | bytes]) -> None:
    """validate_client_frame on each frame; the message says which frame (0-based) failed."""
    for index, frame in enumerate(frames):
        try:
            validate_client_frame(frame)
        except AssertionError as exc:
            raise AssertionError(f"frame {index}: {exc}") from None


def validate_server_frame(
    frame: str | bytes, *, allowed_extras: frozenset[str] = UNDOCUMENTED_SERVER_KEYS
) -> Any:
    """The SDK model of one server frame; AssertionError unless it is strictly GA.

    `allowed_extras` lists dotted paths tolerated although the SDK does not declare them.
    """
    return _validate("server", frame, allowed_extras)


def validate_server_frames(frames: Iterable[str | bytes]) -> None:
    """validate_server_frame on each frame; the message says which frame (0-based) failed."""
    for index, frame in enumerate(frames):
        try:
            validate_server_frame(frame)
        except AssertionError as exc:
            raise AssertionError(f"frame {index}: {exc}") from None
