"""Record: the immutable record that compiles nothing at import (core/record.py)."""

from __future__ import annotations

import copy
import pickle
from typing import ClassVar

import pytest

from voiced.core.record import Record


class Point(Record):
    x: int
    y: int = 0
    label: str | None = None


class Other(Record):
    x: int
    y: int = 0
    label: str | None = None


class Secret(Record):
    name: str
    key: str
    _hidden = ("key",)
    kind: ClassVar[str] = "not a field"


def test_positional_keyword_and_defaults() -> None:
    """Fields fill from positions, keywords and the class body's defaults, in that order."""
    assert Point(1) == Point(1, 0, None) == Point(x=1)
    assert Point(1, label="a") == Point(1, 0, "a")
    assert (Point(2, 3).x, Point(2, 3).y, Point(2, 3).label) == (2, 3, None)
    assert Point._fields == Point.__match_args__ == ("x", "y", "label")


def test_bad_arguments_raise_type_error() -> None:
    """Missing, unknown, doubled or too many arguments raise TypeError naming the class."""
    with pytest.raises(TypeError, match=r"Point.*missing argument 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected"):
        Point(1, z=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="several values"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3"):
        Point(1, 2, "a", 4)  # type: ignore[call-arg]


def test_immutable_and_slotted() -> None:
    """A record cannot be changed or given new attributes."""
    p = Point(1)
    with pytest.raises(AttributeError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.z = 2  # type: ignore[attr-defined]


def test_equality_is_per_class() -> None:
    """Equal fields in different classes are not equal (unlike NamedTuples); hash follows ==."""
    assert Point(1) != Other(1)
    assert Point(1) == Point(1) and hash(Point(1)) == hash(Point(1))
    assert len({Point(1), Point(1), Other(1)}) == 2


def test_repr_hides_secret_fields_and_classvars_are_not_fields() -> None:
    """repr names every field but those in _hidden; ClassVar annotations are not fields."""
    s = Secret("a", "sk-123")
    assert repr(s) == "Secret(name='a', key=…)"
    assert "sk-123" not in repr(s) and "sk-123" not in str(s)
    assert Secret._fields == ("name", "key") and Secret.kind == "not a field"


def test_pickle_copy_replace_and_match() -> None:
    """Pickle, copy, replace() and pattern matching keep the class and the fields."""
    p = Point(1, 2, "a")
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) == p and copy.copy(p) == p
    assert p.replace(y=5) == Point(1, 5, "a")
    match p:
        case Point(x, y, label):
            assert (x, y, label) == (1, 2, "a")
        case _:
            pytest.fail("no match")


def test_a_field_without_default_after_one_with_is_refused() -> None:
    """As in a dataclass, defaults must come last."""
    with pytest.raises(TypeError, match="without a default follows"):

        class Bad(Record):
            a: int = 0
            b: int
