"""When to reconnect, and how long to wait: pure, with the clock and randomness passed in.

The error decides the policy (aioesphomeapi's lesson): a rejected key or an exhausted quota
stops for good until a person reloads the configuration; a rate limit waits as long as the
server says; everything else backs off exponentially with jitter. A connection that dies
before it was up for `healthy_uptime_s` counts as a failure, so a server that accepts and
then closes is retried no faster than one that refuses.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

#: Error codes (server `error` events and HTTP bodies) that retrying cannot fix.
FATAL_CODES = frozenset(
    {"invalid_api_key", "insufficient_quota", "account_deactivated", "billing_hard_limit_reached"}
)
#: Codes that mean "this session is over, start a new one" (no backoff after a healthy session).
EXPIRED_CODES = frozenset({"session_expired"})
#: WebSocket close codes after which a reconnect is expected to work.
RETRY_CLOSE_CODES = frozenset({1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014})
#: The longest Retry-After we honour as given; beyond it we cap (a broken header must not
#: park the appliance for a day).
MAX_RETRY_AFTER_S = 900.0


class FailureKind(enum.Enum):
    RETRY = "retry"
    """Network trouble, 5xx, abnormal close: back off and retry."""
    RATE_LIMITED = "rate_limited"
    """HTTP 429 (not quota): wait at least Retry-After."""
    EXPIRED = "expired"
    """The server ended the session on purpose (session cap, rotation): start a new one."""
    FATAL = "fatal"
    """A person must act (bad key, no quota): stop retrying."""


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    reason: str
    """Short, human, secret-free: goes into logs and STATUS=."""
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Decision:
    retry: bool
    delay_s: float
    reason: str
    attempt: int
    """Consecutive failures so far (1 = first failure of a streak)."""


def classify_http(status: int, body_code: str | None, retry_after_s: float | None) -> Failure:
    """A refused WebSocket handshake."""
    if status in (401, 403) or body_code in FATAL_CODES:
        what = "API key rejected" if status == 401 else f"access denied (HTTP {status})"
        if body_code in FATAL_CODES:
            what = f"{body_code} (HTTP {status})"
        return Failure(FailureKind.FATAL, what)
    if status == 429:
        return Failure(FailureKind.RATE_LIMITED, "rate limited (HTTP 429)", retry_after_s)
    return Failure(
        FailureKind.RETRY, f"server refused the handshake (HTTP {status})", retry_after_s
    )


def classify_error_code(code: str | None, message: str = "") -> Failure | None:
    """A server `error` event: a Failure when it ends the session, None when it does not."""
    if code in FATAL_CODES:
        return Failure(FailureKind.FATAL, f"server error {code}")
    if code in EXPIRED_CODES:
        return Failure(FailureKind.EXPIRED, f"server error {code}")
    return None


def classify_close(code: int | None, reason: str = "") -> Failure:
    """The link closed (by the server, or by keepalive on a dead link: 1011)."""
    text = f"closed {code}" if code is not None else "connection lost"
    if reason:
        text += f" ({reason[:60]})"
    if code == 1008 and ("key" in reason.lower() or "auth" in reason.lower()):
        return Failure(FailureKind.FATAL, text)
    return Failure(FailureKind.RETRY, text)


class ReconnectPolicy:
    """Jittered exponential backoff with a healthy-uptime rule.

    delay(n) = min(max_s, initial_s * 2**(n-1)) scaled by a jitter factor in [0.5, 1.0]:
    the first retry of a streak comes within `initial_s`, none waits more than `max_s`
    (except a rate limit, which waits what the server asked, up to MAX_RETRY_AFTER_S).
    """

    def __init__(
        self,
        *,
        initial_s: float = 1.0,
        max_s: float = 60.0,
        healthy_uptime_s: float = 30.0,
        rand: Callable[[], float],
    ) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self.healthy_uptime_s = healthy_uptime_s
        self._rand = rand
        self.failures = 0
        """Consecutive failures; reset only after a healthy connection."""
        self._connected_at_s: float | None = None
        self.stopped: Failure | None = None

    def backoff_s(self, attempt: int) -> float:
        base = min(self.max_s, self.initial_s * 2.0 ** max(0, attempt - 1))
        return base * (0.5 + 0.5 * self._rand())

    def on_connected(self, now_s: float) -> None:
        """The handshake and session configuration completed."""
        self._connected_at_s = now_s

    def on_disconnected(self, now_s: float, failure: Failure) -> Decision:
        """A live connection ended (or an attempt failed: then call with no prior connect)."""
        connected_at = self._connected_at_s
        self._connected_at_s = None
        healthy = connected_at is not None and now_s - connected_at >= self.healthy_uptime_s
        if healthy:
            self.failures = 0
        return self._decide(failure, healthy=healthy)

    def on_attempt_failed(self, failure: Failure) -> Decision:
        """A connection attempt failed before the session was configured."""
        self._connected_at_s = None
        return self._decide(failure, healthy=False)

    def reset(self) -> None:
        """A person acted (config reload): forget the streak and any fatal stop."""
        self.failures = 0
        self.stopped = None
        self._connected_at_s = None

    def _decide(self, failure: Failure, *, healthy: bool) -> Decision:
        if failure.kind is FailureKind.FATAL:
            self.stopped = failure
            self.failures += 1
            return Decision(False, 0.0, failure.reason, self.failures)
        if failure.kind is FailureKind.EXPIRED and healthy:
            # A session that lived to its cap: start the next one at once (jittered a little).
            self.failures = 0
            return Decision(True, 0.1 * self._rand(), failure.reason, 0)
        self.failures += 1
        delay = self.backoff_s(self.failures)
        if failure.retry_after_s is not None:
            delay = max(delay, min(failure.retry_after_s, MAX_RETRY_AFTER_S))
        return Decision(True, delay, failure.reason, self.failures)


def should_rotate(*, uptime_s: float, rotate_after_s: float | None, idle: bool) -> bool:
    """Rotate to a fresh session before the server's cap, only while nothing is happening."""
    return rotate_after_s is not None and idle and uptime_s >= rotate_after_s


def default_rotate_after_s(provider: str) -> float:
    """55 minutes against OpenAI's 60-minute cap; 28 against Azure's 30."""
    return 28 * 60.0 if provider == "azure" else 55 * 60.0
