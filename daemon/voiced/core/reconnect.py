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

from voiced.core.record import Record

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


#: Codes of an error that answers our session.update and says the configuration itself is
#: wrong: retrying the same configuration cannot help.
CONFIG_INVALID_CODES = frozenset(
    {
        "invalid_value",
        "invalid_type",
        "unknown_parameter",
        "missing_required_parameter",
        "unsupported_value",
        "invalid_session_config",
        "integer_below_min_value",
        "integer_above_max_value",
        "decimal_below_min_value",
        "decimal_above_max_value",
        "string_above_max_length",
    }
)


class FailureKind(enum.Enum):
    CONTINUE = "continue"
    """Not a failure of the link: an error event about one request; the session goes on."""
    RETRY = "retry"
    """Network trouble, 5xx, abnormal close, a transient server error: back off and retry."""
    RATE_LIMITED = "rate_limited"
    """HTTP 429 (not quota): wait at least Retry-After."""
    EXPIRED = "expired"
    """The server ended the session on purpose (session cap, rotation): start a new one."""
    FATAL = "fatal"
    """A person must act (bad key, no quota): stop retrying."""
    CONFIG = "config"
    """The server refused our session configuration: retrying the same one cannot help."""


class Failure(Record):
    kind: FailureKind
    reason: str
    """Short, human, secret-free: goes into logs and STATUS=."""
    retry_after_s: float | None = None

    @property
    def fatal(self) -> bool:
        """Retrying cannot help: a person must act."""
        return self.kind is FailureKind.FATAL or self.kind is FailureKind.CONFIG


class Decision(Record):
    retry: bool
    delay_s: float
    reason: str
    attempt: int
    """Consecutive failures so far (1 = first failure of a streak)."""


def classify(
    *,
    http_status: int | None = None,
    code: str | None = None,
    message: str = "",
    retry_after_s: float | None = None,
    close_code: int | None = None,
    close_reason: str = "",
    echoes_update: bool = False,
    error_type: str | None = None,
    exception: str | None = None,
) -> Failure:
    """The one classification of every failure of the link; nothing else decides "fatal".

    Exactly one kind of cause is described by the arguments given:
    - a refused handshake: `http_status` (+ `code` from the body, `retry_after_s`);
    - a server `error` event: `code`, `message`, `error_type`, and `echoes_update` when its
      event id is our session.update (during set-up);
    - a closed connection: `close_code` (None: lost without a close frame), `close_reason`;
    - a local exception: `exception`, a short name ("timeout", "network", a type name).
    `reason` in the result is secret-free as long as the inputs are (callers redact).
    """
    if http_status is not None:
        return _classify_http(http_status, code, retry_after_s)
    if exception is not None:
        what = "timed out" if exception == "timeout" else exception
        return Failure(FailureKind.RETRY, what)
    if code is not None or message or echoes_update or error_type is not None:
        return _classify_error_event(code, message, echoes_update, error_type)
    text = f"closed {close_code}" if close_code is not None else "connection lost"
    if close_reason:
        text += f" ({close_reason[:60]})"
    lowered = close_reason.lower()
    if close_code == 1008 and ("key" in lowered or "auth" in lowered):
        return Failure(FailureKind.FATAL, text)
    return Failure(FailureKind.RETRY, text)


def _classify_http(status: int, code: str | None, retry_after_s: float | None) -> Failure:
    if status == 401 or (status == 403 and code == "invalid_api_key"):
        return Failure(FailureKind.FATAL, "API key rejected")
    if code in FATAL_CODES:
        return Failure(FailureKind.FATAL, f"{code} (HTTP {status})")
    if status == 403:
        return Failure(FailureKind.FATAL, "access denied (HTTP 403)")
    if status == 429:
        return Failure(FailureKind.RATE_LIMITED, "rate limited (HTTP 429)", retry_after_s)
    return Failure(
        FailureKind.RETRY, f"server refused the handshake (HTTP {status})", retry_after_s
    )


def _classify_error_event(
    code: str | None, message: str, echoes_update: bool, error_type: str | None
) -> Failure:
    if code in FATAL_CODES:
        return Failure(FailureKind.FATAL, f"server error {code}")
    if code in EXPIRED_CODES:
        return Failure(FailureKind.EXPIRED, f"server error {code}")
    if not echoes_update:
        return Failure(FailureKind.CONTINUE, f"server error {code or error_type or '?'}")
    if code in CONFIG_INVALID_CODES or (code is None and error_type == "invalid_request_error"):
        return Failure(
            FailureKind.CONFIG,
            f"session configuration rejected ({code or error_type}): {message[:160]}",
        )
    return Failure(
        FailureKind.RETRY, f"session.update failed ({code or error_type or 'error'}), retrying"
    )


def classify_http(status: int, body_code: str | None, retry_after_s: float | None) -> Failure:
    """A refused WebSocket handshake (see classify)."""
    return classify(http_status=status, code=body_code, retry_after_s=retry_after_s)


def classify_error_code(code: str | None, message: str = "") -> Failure | None:
    """A server `error` event outside set-up: a Failure when it ends the session, else None."""
    failure = classify(code=code, message=message, error_type="error")
    return None if failure.kind is FailureKind.CONTINUE else failure


def classify_close(code: int | None, reason: str = "") -> Failure:
    """The link closed (by the server, or by keepalive on a dead link: 1011)."""
    return classify(close_code=code, close_reason=reason)


def backoff_delay_s(failures: int, *, initial_s: float, max_s: float, jitter: float) -> float:
    """The one jittered backoff, for link reconnects and audio device reopens alike.

    min(max_s, initial_s * 2**(failures-1)), scaled by 0.5 + 0.5 * `jitter` (`jitter` in
    [0, 1), from the caller's random source): many appliances that lost the same server or
    the same USB hub do not come back in step, and none waits more than `max_s`.
    """
    base = min(max_s, initial_s * 2.0 ** max(0, failures - 1))
    return base * (0.5 + 0.5 * jitter)


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
        return backoff_delay_s(
            attempt, initial_s=self.initial_s, max_s=self.max_s, jitter=self._rand()
        )

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
        if failure.fatal:
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
