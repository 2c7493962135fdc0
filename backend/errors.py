"""The backend's errors, each with the HTTP status and wire code it is answered with.

Domain code raises these; ``app`` turns them into ``{"error": {"code", "message", "requestId"}}``.
Messages are written for the client: they never carry tokens, secrets or stack traces.
"""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class BadRequest(ApiError):
    status = 400
    code = "invalid_request"


class MalformedJson(BadRequest):
    code = "malformed_json"


class UnknownField(BadRequest):
    code = "unknown_field"


class ForbiddenField(BadRequest):
    """The client tried to say who it is or what it holds: only tokens and external_auth say that."""

    code = "forbidden_field"


class BodyTooLarge(ApiError):
    status = 413
    code = "body_too_large"


class Unauthorized(ApiError):
    status = 401
    code = "invalid_token"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class PremiumRequired(Forbidden):
    code = "premium_required"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class SessionFull(ApiError):
    status = 409
    code = "session_full"


class SessionUnavailable(ApiError):
    status = 409
    code = "session_unavailable"


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"


class NoCapacity(ApiError):
    """Every server process is busy: GameLift's FleetCapacityExceededException, or quick play gave up."""

    status = 503
    code = "no_capacity"


class UpstreamUnavailable(ApiError):
    status = 503
    code = "upstream_unavailable"


class UpstreamTimeout(ApiError):
    status = 504
    code = "upstream_timeout"


class BadGateway(ApiError):
    """GameLift refused a call the backend built: a bug or a misconfiguration here, not the player's fault."""

    status = 502
    code = "upstream_error"
