"""Status light drivers: each renders frames sampled from `voiced.core.patterns`."""

from voiced.panel.lights.base import Frame, Light, NoLight
from voiced.panel.lights.player import LightPlayer

__all__ = ["Frame", "Light", "LightPlayer", "NoLight"]
