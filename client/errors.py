"""The client's errors, each carrying a sentence a player can act on.

Services answer ``{"error": {"code", "message", "requestId"}}``; the code picks the sentence, the
request id stays attached for a bug report. Game-server closes carry a WebSocket close code and
reason, mapped the same way.
"""

from __future__ import annotations

import math

# Wire codes from external_auth and the backend, in a player's words.
FRIENDLY: dict[str, str] = {
    "invalid_credentials": "Wrong username or password.",
    "username_taken": "That username is taken. Pick another, or log in.",
    "invalid_token": "Your login has expired. Please log in again.",
    "missing_token": "Please log in first.",
    "rate_limited": "Slow down a little, then try again.",
    "login_throttled": "Too many failed logins. Please wait, then try again.",
    "no_capacity": "All game servers are busy right now. Try again in a moment.",
    "upstream_unavailable": "The game service is unavailable right now. Try again in a moment.",
    "upstream_timeout": "The game took too long to start. Try again.",
    "upstream_error": "The game service had a problem. Try again.",
    "premium_required": "That session is for premium players.",
    "session_full": "That session is full. Pick another one, or quick play.",
    "session_unavailable": "That session has ended. Refresh the list.",
    "not_found": "That session no longer exists. Refresh the list.",
    "internal_error": "Something went wrong on our side. Try again.",
}


def _duration(seconds: float) -> str:
    return f"{math.ceil(seconds)} s" if seconds < 90 else f"{math.ceil(seconds / 60)} min"


class ClientError(Exception):
    """Anything the player should be told about; ``str()`` is the sentence to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServiceUnreachable(ClientError):
    """No answer at all from external_auth or the backend."""

    def __init__(self, service: str, url: str) -> None:
        super().__init__(f"Cannot reach the {service} at {url}. Is it running?")
        self.service, self.url = service, url


class ApiError(ClientError):
    """A service answered with an error."""

    def __init__(
        self, status: int, code: str, message: str, request_id: str | None = None, retry_after: float | None = None
    ) -> None:
        friendly = FRIENDLY.get(code)
        if friendly is None:
            # Validation messages ("username must be 3-32 characters ...") are written for players already.
            friendly = message if status == 400 or status == 409 else f"Request failed ({status}): {message}"
        if status == 429 and retry_after and code in FRIENDLY:
            friendly = f"{friendly.rstrip('.')} in {_duration(retry_after)}."
        super().__init__(friendly)
        self.status, self.code, self.detail = status, code, message
        self.request_id, self.retry_after = request_id, retry_after


class ConnectionFailed(ClientError):
    """The game server could not be reached or refused the player session."""


class ConnectionLost(ClientError):
    """An open game connection ended without the round ending."""
