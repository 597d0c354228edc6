"""The appliance's own sounds, ready to play: earcons at once, spoken notices once rendered.

Rendering a notice runs espeak-ng (up to seconds on a Pi): `prepare()` does it off the loop
at start; until it is done a notice plays its earcon instead, so nothing on the loop waits.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from voiced.audio.earcons import Earcon, Earcons
from voiced.audio.notices import FALLBACK_EARCON, Notice, Notices
from voiced.config import Config

log = logging.getLogger(__name__)


class Sounds:
    """Earcons and notices of one configuration, by the names the machine uses."""

    def __init__(self, config: Config, *, state_dir: Path | None) -> None:
        self.earcons = Earcons(config.sounds, file=config.source)
        self.notices = (
            Notices(config.sounds, state_dir=state_dir, earcons=self.earcons, file=config.source)
            if state_dir is not None
            else None
        )
        self._prepared = False

    async def prepare(self) -> None:
        """Render the notices (espeak-ng, cached in the state directory) off the loop."""
        if self.notices is not None:
            await asyncio.to_thread(self.notices.prepare)
        self._prepared = True

    def earcon(self, name: str) -> bytes:
        return self.earcons.get(Earcon(name))

    def notice(self, name: str) -> bytes:
        notice = Notice(name)
        if self.notices is None or not self._prepared:
            return self.earcons.get(FALLBACK_EARCON[notice])
        return self.notices.get(notice)
