"""Session configurations in the beta-era shape: mapped to GA with a warning, or refused."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from voiced.core.session import BetaKeyError, to_ga_session
from voiced.errors import ConfigError

log = logging.getLogger(__name__)

_warned: set[str] = set()


def ga_session(session: Mapping[str, Any], *, prefix: str, file: str) -> dict[str, Any]:
    """`session` in the GA shape, before anything is sent.

    Each beta key with an exact GA place is moved there, with one warning per key per
    process naming both; any other beta key raises ConfigError naming `prefix`.key.
    """
    try:
        ga, moved = to_ga_session(session)
    except BetaKeyError as exc:
        raise ConfigError(
            f"{prefix}.{exc.key}",
            file,
            f"is a beta-era session key the GA API rejects ({exc})",
            "use the GA shape: audio.input.* / audio.output.* (see the README)",
        ) from None
    for key, where in moved:
        if key not in _warned:
            _warned.add(key)
            log.warning(
                "session key %s.%s is the beta-era shape: sent as %s (GA); please move it",
                prefix,
                key,
                where,
                extra={"VOICED_EVENT": "config_beta_key"},
            )
    return ga
