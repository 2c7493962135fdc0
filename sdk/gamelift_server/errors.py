"""One exception hierarchy for the SDK, named after the official SDKs' error enum.

The Go SDK (``common/errors.go``) has one ``GameLiftError`` type carrying an ``ErrorType`` enum; C++ and C# have the
same list as ``GAMELIFT_ERROR_TYPE``. In Python each enum member becomes a subclass of :class:`GameLiftError`, so a
caller can catch exactly what it cares about (``except ProcessNotReady``) or everything (``except GameLiftError``).
``error_type`` keeps the Go enum spelling for logs and for anyone porting code from another SDK.

The service reports failures as an HTTP-like ``StatusCode`` on the reply frame; :func:`error_for_status` is the one
place that turns a status code into an exception, with the same table as every official SDK.
"""

from __future__ import annotations

from typing import ClassVar


class GameLiftError(Exception):
    """Base of every error this SDK raises."""

    error_type: ClassVar[str] = "UnknownException"
    default_message: ClassVar[str] = "Unknown exception."

    def __init__(self, message: str | None = None, *, status_code: int | None = None) -> None:
        self.message = message or self.default_message
        self.status_code = status_code
        super().__init__(self.message)

    def __str__(self) -> str:
        code = f", StatusCode={self.status_code}" if self.status_code is not None else ""
        return f"[{self.error_type}{code}] {self.message}"


# --- local state errors -------------------------------------------------------------------------------------------


class AlreadyInitialized(GameLiftError):
    error_type = "AlreadyInitialized"
    default_message = "Server SDK has already been initialized. Call destroy() before initializing it again."


class FleetMismatch(GameLiftError):
    error_type = "FleetMismatch"
    default_message = "The target fleet does not match the fleet of the game session or player session."


class GameLiftClientNotInitialized(GameLiftError):
    error_type = "GameLiftClientNotInitialized"
    default_message = "You must call init_sdk() before making calls to the server SDK."


class GameLiftServerNotInitialized(GameLiftError):
    """Raised when a call needs the WebSocket connection and init_sdk() has not succeeded (or destroy() was called)."""

    error_type = "GameLiftServerNotInitialized"
    default_message = "You must call init_sdk() before making calls to the server SDK."


class GameSessionEndedFailed(GameLiftError):
    error_type = "GameSessionEndedFailed"
    default_message = "The GameSessionEnded invocation failed."


class GameSessionNotReady(GameLiftError):
    error_type = "GameSessionNotReady"
    default_message = "The game session associated with this server was not activated."


class GameSessionReadyFailed(GameLiftError):
    error_type = "GameSessionReadyFailed"
    default_message = "The GameSessionReady invocation failed."


class GameSessionIdNotSet(GameLiftError):
    """No game session is bound to this process yet (no CreateGameSession push has been received)."""

    error_type = "GamesessionIDNotSet"
    default_message = "No game sessions are bound to this process."


GamesessionIDNotSet = GameSessionIdNotSet  # the Go enum's spelling


class InitializationMismatch(GameLiftError):
    error_type = "InitializationMismatch"
    default_message = "You must call init_sdk() before making calls to the server SDK."


class NotInitialized(GameLiftError):
    error_type = "NotInitialized"
    default_message = "You must call init_sdk() before making calls to the server SDK."


class NoTargetAliasIdSet(GameLiftError):
    error_type = "NoTargetAliasIDSet"
    default_message = "The aliasId has not been set."


class NoTargetFleetSet(GameLiftError):
    error_type = "NoTargetFleetSet"
    default_message = "The target fleet has not been set."


class ProcessEndingFailed(GameLiftError):
    """process_ending() could not tell the service; the cause is chained as ``__cause__``."""

    error_type = "ProcessEndingFailed"
    default_message = "The server SDK call to process_ending() failed."


class ProcessNotActive(GameLiftError):
    error_type = "ProcessNotActive"
    default_message = "The process has not yet been activated."


class ProcessNotReady(GameLiftError):
    """process_ready() has not succeeded, so the call (or the ActivateServerProcess exchange itself) is refused."""

    error_type = "ProcessNotReady"
    default_message = (
        "The process has not yet been activated by calling process_ready(). "
        "Processes in standby cannot receive StartGameSession callbacks."
    )


class ProcessReadyFailed(GameLiftError):
    error_type = "ProcessReadyFailed"
    default_message = "The server SDK call to process_ready() failed."


class SdkVersionDetectionFailed(GameLiftError):
    error_type = "SdkVersionDetectionFailed"
    default_message = "Could not detect SDK version."


class ServiceCallFailed(GameLiftError):
    """The service did not answer in time (the official SDKs' error for a request timeout) or the frame was unusable."""

    error_type = "ServiceCallFailed"
    default_message = "The call to the GameLift service has failed."


class UnexpectedPlayerSession(GameLiftError):
    error_type = "UnexpectedPlayerSession"
    default_message = "The player session was not expected by the server."


class LocalConnectionFailed(GameLiftError):
    """Go's wrapper error for a failed init_sdk(); :class:`WebsocketConnectFailure` (the C++/C# name) subclasses it."""

    error_type = "LocalConnectionFailed"
    default_message = "Connection to the GameLift service could not be established."


class NetworkNotInitialized(GameLiftError):
    error_type = "NetworkNotInitialized"
    default_message = "Local network was not initialized. Have you called init_sdk()?"


class TerminationTimeNotSet(GameLiftError):
    error_type = "TerminationTimeNotSet"
    default_message = "TerminationTime has not been sent to this process."


class UnsupportedComputeTypeException(GameLiftError):
    error_type = "UnsupportedComputeTypeException"
    default_message = "The compute type is not supported by this SDK."


# --- errors reported by the service (StatusCode on the reply) ---------------------------------------------------------


class BadRequestException(GameLiftError):
    error_type = "BadRequestException"
    default_message = "Bad request exception."


class UnauthorizedException(GameLiftError):
    error_type = "UnauthorizedException"
    default_message = "Invalid or missing authorization to access a resource or operation."


class ForbiddenException(GameLiftError):
    error_type = "ForbiddenException"
    default_message = "Access to the resource or operation is not allowed."


class NotFoundException(GameLiftError):
    error_type = "NotFoundException"
    default_message = "A necessary resource was missing when attempting to process the request."


class ConflictException(GameLiftError):
    error_type = "ConflictException"
    default_message = "Request conflicts with the current state of the target resource."


class TooManyRequestsException(GameLiftError):
    error_type = "TooManyRequestsException"
    default_message = "Too many requests; the call is being throttled."


class InternalServiceException(GameLiftError):
    error_type = "InternalServiceException"
    default_message = "Internal service exception."


class ValidationException(GameLiftError):
    """A parameter failed the SDK's client-side validation; nothing was sent."""

    error_type = "ValidationException"
    default_message = "Validation exception."


# --- WebSocket errors -------------------------------------------------------------------------------------------------


class WebsocketConnectFailure(LocalConnectionFailed):
    error_type = "WebsocketConnectFailure"
    default_message = (
        "Connection to the GameLift service WebSocket has failed. Check the server parameters: the process ID must be "
        "unique between executions, and the auth token must be correct and unexpired."
    )


class WebsocketConnectFailureForbidden(WebsocketConnectFailure):
    """The handshake was refused (HTTP 401/403): the C++ and C# SDKs' WEBSOCKET_CONNECT_FAILURE_FORBIDDEN."""

    error_type = "WebsocketConnectFailureForbidden"


class WebsocketConnectFailureTimeout(WebsocketConnectFailure):
    error_type = "WebsocketConnectFailureTimeout"


class WebsocketConnectFailureInvalidUrl(WebsocketConnectFailure):
    error_type = "WebsocketConnectFailureInvalidUrl"


class WebsocketRetriableSendMessageFailure(GameLiftError):
    error_type = "WebsocketRetriableSendMessageFailure"
    default_message = "Sending a message to the GameLift service WebSocket failed; it may be retried."


class WebsocketSendMessageFailure(GameLiftError):
    error_type = "WebsocketSendMessageFailure"
    default_message = "Sending a message to the GameLift service WebSocket failed."


class WebsocketClosingError(GameLiftError):
    error_type = "WebsocketClosingError"
    default_message = "An error occurred while closing the WebSocket connection."


class UnknownException(GameLiftError):
    error_type = "UnknownException"


OK = 200

_BY_STATUS: dict[int, type[GameLiftError]] = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    409: ConflictException,
    429: TooManyRequestsException,
}


def error_class_for_status(status_code: int | None) -> type[GameLiftError]:
    """The official mapping: known 4xx by name, any other 4xx BadRequest, everything else (missing too) InternalService.

    A reply without a usable StatusCode counts as an error in all three official SDKs (Go reads it as 0, C++ as -1),
    and both land on InternalServiceException.
    """
    if status_code is not None and 400 <= status_code < 500:
        return _BY_STATUS.get(status_code, BadRequestException)
    return InternalServiceException


def error_for_status(status_code: int | None, message: str | None) -> GameLiftError:
    return error_class_for_status(status_code)(message or None, status_code=status_code)
