"""One root exception for everything voiced raises on purpose, and the exit statuses."""

from __future__ import annotations

from voiced.core.reconnect import Failure, classify
from voiced.logs import redact

# Exit statuses (documented in the README and listed in the unit's RestartPreventExitStatus=).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 78  # EX_CONFIG: fix the configuration; systemd does not restart in a loop


class VoicedError(Exception):
    """Root of every error voiced raises on purpose."""


class ConfigError(VoicedError):
    """A configuration value is wrong: names the key, the file and the fix."""

    def __init__(self, key: str, file: str, problem: str, fix: str) -> None:
        self.key = key
        self.file = file
        self.problem = problem
        self.fix = fix
        super().__init__(f"{file}: {key}: {problem}. Fix: {fix}")


class RealtimeError(VoicedError):
    """Something went wrong with the realtime link or session.

    `failure` is the one classification of the cause (core/reconnect.py's `classify`),
    made when the error is created and read-only afterwards; `fatal` follows from it.
    """

    def __init__(self, message: str = "", *, failure: Failure | None = None) -> None:
        message = redact(message)  # error texts leave the library: never a secret in them
        super().__init__(message)
        self._failure = failure or classify(exception=_short(message) or type(self).__name__)

    @property
    def failure(self) -> Failure:
        """How the reconnect policy treats this error (read-only)."""
        return self._failure

    @property
    def fatal(self) -> bool:
        """True when retrying cannot help (bad key, no quota, refused config)."""
        return self._failure.fatal


class ConnectTimeoutError(RealtimeError, TimeoutError):
    """connect() did not reach a live, configured session in time."""

    def __init__(self, message: str) -> None:
        super().__init__(message, failure=classify(exception="timeout"))


class ConnectionRefusedByPeer(RealtimeError):
    """TCP connection refused, DNS failure or another network-level failure."""


class HTTPStatusError(RealtimeError):
    """The server rejected the WebSocket handshake with an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        retry_after_s: float | None = None,
        code: str | None = None,
    ) -> None:
        self.status = status
        self.retry_after_s = retry_after_s
        self.code = code
        """The error code from the response body (e.g. "insufficient_quota"), if any."""
        super().__init__(
            message, failure=classify(http_status=status, code=code, retry_after_s=retry_after_s)
        )


class CredentialsRejectedError(HTTPStatusError):
    """HTTP 401/403 or invalid_api_key: the key is wrong or has no access."""


class ServerError(RealtimeError):
    """The server sent an error event (the classification says whether it ends the link)."""

    def __init__(self, code: str, message: str, *, failure: Failure | None = None) -> None:
        self.code = code
        super().__init__(
            f"{code}: {message}" if message else code,
            failure=failure or classify(code=code, message=message, error_type="error"),
        )


class SessionConfigRejectedError(ServerError):
    """The server refused our session configuration (its message says why): fix it."""


class ConnectionLostError(RealtimeError):
    """The link dropped (close code, dead link) and reconnect was off or gave up."""

    def __init__(self, message: str, close_code: int | None = None, reason: str = "") -> None:
        self.close_code = close_code
        failure = classify(close_code=close_code, close_reason=redact(reason))
        super().__init__(message, failure=failure)


class NotConnectedError(RealtimeError):
    """A realtime method was called before connect() or after close()."""


def _short(message: str) -> str:
    return message[:120]
