"""The WebSocket link to a realtime server: one supervised connection that never dies."""

from voiced.link.endpoint import Endpoint, realtime_endpoint
from voiced.link.websocket import LinkState, RealtimeLink

__all__ = ["Endpoint", "LinkState", "RealtimeLink", "realtime_endpoint"]
