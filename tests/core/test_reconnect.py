"""The reconnect policy: backoff, healthy uptime, and what each error means."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiced.core.reconnect import (
    MAX_RETRY_AFTER_S,
    Failure,
    FailureKind,
    ReconnectPolicy,
    backoff_delay_s,
    classify_close,
    classify_error_code,
    classify_http,
    default_rotate_after_s,
    should_rotate,
)

RETRY = Failure(FailureKind.RETRY, "closed 1011")


def policy(rand: float = 1.0, **kw: float) -> ReconnectPolicy:
    return ReconnectPolicy(rand=lambda: rand, **kw)


def test_first_retry_within_one_second() -> None:
    """Whatever the jitter draws, the first retry of a streak waits at most 1 s."""
    for r in (0.0, 0.5, 1.0):
        decision = policy(r).on_attempt_failed(RETRY)
        assert decision.retry
        assert 0.5 <= decision.delay_s <= 1.0


def test_backoff_doubles_and_caps_at_sixty_seconds() -> None:
    """Consecutive failures double the delay up to the 60 s cap."""
    p = policy(1.0)
    delays = [p.on_attempt_failed(RETRY).delay_s for _ in range(10)]
    assert delays[:7] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0]
    assert max(delays) == 60.0


@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=40))
def test_jitter_keeps_delays_within_bounds(draws: list[float]) -> None:
    """Every jittered delay lies in [half, full] of its un-jittered step, never above the cap."""
    it = itertools.cycle(draws)
    p = ReconnectPolicy(rand=lambda: next(it))
    for n in range(1, 41):
        delay = p.on_attempt_failed(RETRY).delay_s
        full = min(60.0, 2.0 ** (n - 1))
        assert full / 2 - 1e-9 <= delay <= full + 1e-9


def test_accept_then_close_counts_as_failure() -> None:
    """A connection that dies before the healthy uptime keeps the streak growing."""
    p = policy(1.0, healthy_uptime_s=30.0)
    now = 0.0
    delays = []
    for _ in range(6):
        p.on_connected(now)
        decision = p.on_disconnected(now + 0.05, RETRY)
        delays.append(decision.delay_s)
        now += decision.delay_s + 0.05
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]


def test_healthy_connection_resets_the_streak() -> None:
    """After a connection that lived past the healthy uptime, the next retry is quick again."""
    p = policy(1.0, healthy_uptime_s=30.0)
    for _ in range(5):
        p.on_attempt_failed(RETRY)
    p.on_connected(100.0)
    decision = p.on_disconnected(200.0, RETRY)
    assert decision.delay_s == 1.0
    assert decision.attempt == 1


def test_fatal_stops() -> None:
    """A fatal failure stops retrying and is remembered until reset()."""
    p = policy()
    decision = p.on_attempt_failed(classify_http(401, None, None))
    assert not decision.retry
    assert p.stopped is not None
    p.reset()
    assert p.stopped is None and p.failures == 0


def test_rate_limit_honours_retry_after() -> None:
    """429 waits at least Retry-After, even on the first failure; absurd values are capped."""
    p = policy(1.0)
    assert p.on_attempt_failed(classify_http(429, None, 17.0)).delay_s == 17.0
    assert p.on_attempt_failed(classify_http(429, None, 86400.0)).delay_s == MAX_RETRY_AFTER_S


def test_expired_after_healthy_session_reconnects_at_once() -> None:
    """A session that reached the server's cap is replaced without backoff."""
    p = policy(1.0)
    p.on_connected(0.0)
    decision = p.on_disconnected(3600.0, classify_error_code("session_expired") or RETRY)
    assert decision.retry and decision.delay_s <= 0.1


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, None, FailureKind.FATAL),
        (403, None, FailureKind.FATAL),
        (429, None, FailureKind.RATE_LIMITED),
        (429, "insufficient_quota", FailureKind.FATAL),
        (500, None, FailureKind.RETRY),
        (503, None, FailureKind.RETRY),
    ],
)
def test_http_classification(status: int, code: str | None, kind: FailureKind) -> None:
    """Handshake statuses map to the documented policy."""
    assert classify_http(status, code, None).kind is kind


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("invalid_api_key", FailureKind.FATAL),
        ("insufficient_quota", FailureKind.FATAL),
        ("account_deactivated", FailureKind.FATAL),
        ("billing_hard_limit_reached", FailureKind.FATAL),
        ("session_expired", FailureKind.EXPIRED),
    ],
)
def test_error_code_classification(code: str, kind: FailureKind) -> None:
    """Server error codes that end a session are classified; others are not."""
    failure = classify_error_code(code)
    assert failure is not None and failure.kind is kind
    assert classify_error_code("conversation_already_has_active_response") is None


@pytest.mark.parametrize("code", [1001, 1006, 1011, 1012, 1013])
def test_close_codes_retry(code: int) -> None:
    """Going-away, abnormal, internal-error, restart and try-later closes are retried."""
    assert classify_close(code).kind is FailureKind.RETRY


def test_rotation_only_while_idle() -> None:
    """Rotation waits for idleness and for the configured age."""
    assert not should_rotate(uptime_s=3400, rotate_after_s=3300, idle=False)
    assert not should_rotate(uptime_s=3000, rotate_after_s=3300, idle=True)
    assert should_rotate(uptime_s=3300, rotate_after_s=3300, idle=True)
    assert default_rotate_after_s("openai") == 55 * 60
    assert default_rotate_after_s("azure") == 28 * 60


@pytest.mark.parametrize(
    ("kw", "kind"),
    [
        ({"code": "server_error", "error_type": "server_error", "echoes_update": True}, "RETRY"),
        (
            {"code": "invalid_value", "error_type": "invalid_request_error", "echoes_update": True},
            "CONFIG",
        ),
        ({"code": None, "error_type": "invalid_request_error", "echoes_update": True}, "CONFIG"),
        ({"code": "invalid_api_key", "echoes_update": True}, "FATAL"),
        ({"code": "server_error", "error_type": "server_error"}, "CONTINUE"),
        ({"code": "session_expired"}, "EXPIRED"),
        ({"close_code": 1008, "close_reason": "bad key"}, "FATAL"),
        ({"close_code": 4999, "close_reason": "\ufffd"}, "RETRY"),
        ({"close_code": None}, "RETRY"),
        ({"exception": "timeout"}, "RETRY"),
        ({"http_status": 429, "code": "billing_hard_limit_reached"}, "FATAL"),
    ],
)
def test_classify_is_the_one_decision(kw: dict[str, object], kind: str) -> None:
    """Every cause maps to one kind; an echo of our session.update retries unless invalid."""
    from voiced.core.reconnect import classify

    assert classify(**kw).kind is FailureKind[kind]  # type: ignore[arg-type]


def test_errors_carry_their_classification_read_only() -> None:
    """An error's failure is set once, from core's classify, and cannot be reassigned."""
    from voiced.errors import CredentialsRejectedError, HTTPStatusError, ServerError

    assert CredentialsRejectedError(401, "no").fatal
    assert HTTPStatusError(429, "q", None, "insufficient_quota").fatal
    assert not HTTPStatusError(503, "busy").fatal
    err = ServerError("server_error", "hiccup")
    assert err.failure.kind is FailureKind.CONTINUE
    with pytest.raises(AttributeError):
        err.failure = RETRY  # type: ignore[misc]
    with pytest.raises(AttributeError):
        err.fatal = True  # type: ignore[misc]


def test_one_backoff_for_link_and_audio_devices() -> None:
    """backoff_delay_s doubles up to the cap, scaled into [0.5, 1.0] by the jitter; the link's
    policy waits exactly what it gives (the audio reopen loops call it too)."""
    full = [backoff_delay_s(n, initial_s=0.5, max_s=3.0, jitter=1.0) for n in range(1, 6)]
    assert full == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff_delay_s(1, initial_s=0.5, max_s=3.0, jitter=0.0) == 0.25
    assert backoff_delay_s(9, initial_s=0.5, max_s=3.0, jitter=0.0) == 1.5
    policy = ReconnectPolicy(initial_s=0.5, max_s=3.0, rand=lambda: 0.3)
    for n in range(1, 6):
        assert policy.backoff_s(n) == backoff_delay_s(n, initial_s=0.5, max_s=3.0, jitter=0.3)
