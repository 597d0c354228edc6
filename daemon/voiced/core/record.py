"""Immutable records that cost next to nothing to define.

A frozen dataclass compiles six generated methods when its module is imported (~3.6 M
instructions each with slots), a NamedTuple one (~0.8 M); a `Record` compiles none
(~0.13 M): start-up of the library was mostly that. A record is a tuple underneath, so it
is immutable, small and fast to build; fields come from the class annotations in order,
defaults from the class body, as in a dataclass.

    class Truncation(Record):
        item_id: str
        audio_end_ms: int = 0

    Truncation("item_1", 250) == Truncation(item_id="item_1", audio_end_ms=250)

Unlike NamedTuples, records of different classes never compare equal. Subclass `Record`
directly (no record inherits another's fields); a field named in `_hidden` is left out of
`repr()` (for secrets).
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, ClassVar, TypeVar, dataclass_transform

_R = TypeVar("_R", bound="Record")


class _RecordMeta(type):
    """Turns the annotated class body into fields: slots (), one property per field."""

    def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> _RecordMeta:
        annotations: dict[str, Any] = ns.get("__annotations__", {})
        fields = tuple(n for n, t in annotations.items() if not str(t).startswith("ClassVar"))
        defaults: list[Any] = []
        for index, field in enumerate(fields):
            if field in ns:
                defaults.append(ns.pop(field))
            elif defaults:
                raise TypeError(f"{name}.{field}: a field without a default follows one with")
            ns[field] = property(itemgetter(index), doc=f"Field {index}: {field}.")
        ns["__slots__"] = ()
        if fields or "_fields" not in ns:
            ns["_fields"] = ns["__match_args__"] = fields
            ns["_defaults"] = tuple(defaults)
        return super().__new__(mcls, name, bases, ns)


@dataclass_transform(frozen_default=True)
class Record(tuple[Any, ...], metaclass=_RecordMeta):
    """Base of immutable records: see the module's documentation."""

    _fields: ClassVar[tuple[str, ...]]
    _defaults: ClassVar[tuple[Any, ...]]
    _hidden: ClassVar[tuple[str, ...]] = ()

    def __new__(cls: type[_R], *args: Any, **kwargs: Any) -> _R:
        missing = len(cls._fields) - len(args)
        if kwargs or missing < 0 or missing > len(cls._defaults):
            return tuple.__new__(cls, cls._arguments(args, kwargs))
        if missing:
            args += cls._defaults[len(cls._defaults) - missing :]
        return tuple.__new__(cls, args)

    @classmethod
    def _arguments(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """The values of all fields from keyword arguments too, or a TypeError like Python's."""
        fields = cls._fields
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} arguments, {len(args)} given")
        unknown = set(kwargs) - set(fields)
        if unknown:
            raise TypeError(f"{cls.__name__}() got unexpected arguments: {sorted(unknown)}")
        first_default = len(fields) - len(cls._defaults)
        values = list(args)
        for index in range(len(args), len(fields)):
            field = fields[index]
            if field in kwargs:
                values.append(kwargs[field])
            elif index >= first_default:
                values.append(cls._defaults[index - first_default])
            else:
                raise TypeError(f"{cls.__name__}() missing argument {field!r}")
        twice = [f for f in fields[: len(args)] if f in kwargs]
        if twice:
            raise TypeError(f"{cls.__name__}() got several values for {twice}")
        return tuple(values)

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)  # pickle and copy call __new__(cls, *fields)

    def __repr__(self) -> str:
        shown = (
            f"{name}={value!r}" if name not in self._hidden else f"{name}=…"
            for name, value in zip(self._fields, self, strict=True)
        )
        return f"{type(self).__name__}({', '.join(shown)})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = tuple.__hash__

    def replace(self: _R, **changes: Any) -> _R:
        """A copy with `changes` applied (dataclasses.replace for records)."""
        return type(self)(**{**dict(zip(self._fields, self, strict=True)), **changes})
