"""gpiozero's own mock pins, fresh for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin

from voiced.panel.profiles import BoardProfile, load_profiles


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    """A MockFactory with PWM-capable pins; reset (pins and reservations) afterwards."""
    f = MockFactory(pin_class=MockPWMPin)
    yield f
    f.reset()
    f.close()


@pytest.fixture
def plain_factory() -> Iterator[MockFactory]:
    """Plain mock pins (gpiozero's SPI clock/select test pins need them)."""
    f = MockFactory()
    yield f
    f.reset()
    f.close()


@pytest.fixture
def no_default_factory() -> Iterator[None]:
    """gpiozero with no pin factory chosen yet, as on a fresh machine without GPIO."""
    saved = Device.pin_factory
    Device.pin_factory = None
    yield
    Device.pin_factory = saved


@pytest.fixture(scope="session")
def profiles() -> dict[str, BoardProfile]:
    return load_profiles()
