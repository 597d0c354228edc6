"""No panel: no buttons, no light (a service on a machine without GPIO)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from voiced.core.status import PanelInput, Status

log = logging.getLogger(__name__)


class NullPanel:
    def __init__(self, reason: str = "no panel") -> None:
        self.reason = reason
        self.status: Status | None = None

    async def start(self, on_input: Callable[[PanelInput], None]) -> None:
        log.info(
            "panel: none (%s); talk with `voiced ctl press` and `voiced ctl release`", self.reason
        )

    def show(self, status: Status) -> None:
        self.status = status

    async def stop(self) -> None:
        pass
