"""The WebSocket link to a realtime server: one supervised connection that never dies."""

from voiced.core.status import LinkState
from voiced.link.endpoint import Endpoint, realtime_endpoint
from voiced.link.websocket import RealtimeLink

__all__ = ["Endpoint", "LinkState", "RealtimeLink", "realtime_endpoint"]
