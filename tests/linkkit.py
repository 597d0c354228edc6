"""Shared helpers of the link tests: a fast config, a recorder, a link to a fake server."""

from __future__ import annotations

from voiced.config.link import LinkConfig
from voiced.core import protocol as rt
from voiced.core.session import build_session
from voiced.errors import RealtimeError
from voiced.link import LinkState, RealtimeLink, realtime_endpoint

from conftest import API_KEY

FAST = LinkConfig(
    backoff_initial_s=0.05,
    backoff_max_s=0.2,
    healthy_uptime_s=0.5,
    connect_timeout_s=2.0,
    close_timeout_s=1.0,
)
SESSION = build_session(voice="coral", instructions="Be brief.", talk_mode="hold")


class Recorder:
    def __init__(self) -> None:
        self.events: list[rt.ServerEvent] = []
        self.states: list[tuple[LinkState, str]] = []
        self.errors: list[RealtimeError] = []


def make_link(
    url: str,
    rec: Recorder,
    *,
    config: LinkConfig = FAST,
    key: str = API_KEY,
    provider: str = "compatible",
    **kw: object,
) -> RealtimeLink:
    endpoint = realtime_endpoint(provider=provider, model="gpt-realtime", api_key=key, url=url)
    kw.setdefault("session", lambda: SESSION)
    return RealtimeLink(
        endpoint,
        on_event=rec.events.append,
        on_state=lambda s, d: rec.states.append((s, d)),
        on_error=rec.errors.append,
        config=config,
        **kw,
    )  # type: ignore[arg-type]


def configured(conn: object) -> bool:
    types = conn.received_types  # type: ignore[attr-defined]
    return bool(types) and types[0] == "session.update"
