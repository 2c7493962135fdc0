"""The emulator's exception hierarchy: one class per GameLift error code.

Domain code raises these; only the protocol edge turns them into a wire error
(``__type`` in the body, ``x-amzn-ErrorType``, HTTP status). The class names are
the error shapes of botocore's GameLift model, so ``except
client.exceptions.NotFoundException`` works in the caller.
"""

from __future__ import annotations


class GameLiftError(Exception):
    """A failure the real service reports to the caller as a typed error."""

    code = "InternalServiceException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestException(GameLiftError):
    code = "InvalidRequestException"


class NotFoundException(GameLiftError):
    code = "NotFoundException"


class ConflictException(GameLiftError):
    code = "ConflictException"


class InvalidFleetStatusException(GameLiftError):
    code = "InvalidFleetStatusException"


class InvalidGameSessionStatusException(GameLiftError):
    code = "InvalidGameSessionStatusException"


class GameSessionFullException(GameLiftError):
    code = "GameSessionFullException"


class FleetCapacityExceededException(GameLiftError):
    code = "FleetCapacityExceededException"


class TerminalRoutingStrategyException(GameLiftError):
    code = "TerminalRoutingStrategyException"


class IdempotentParameterMismatchException(GameLiftError):
    code = "IdempotentParameterMismatchException"


class LimitExceededException(GameLiftError):
    code = "LimitExceededException"


class UnsupportedRegionException(GameLiftError):
    code = "UnsupportedRegionException"


class UnauthorizedException(GameLiftError):
    code = "UnauthorizedException"


class TaggingFailedException(GameLiftError):
    code = "TaggingFailedException"


class NotReadyException(GameLiftError):
    code = "NotReadyException"


class OutOfCapacityException(GameLiftError):
    code = "OutOfCapacityException"


class InternalServiceException(GameLiftError):
    code = "InternalServiceException"
    status = 500


class ProtocolError(GameLiftError):
    """Errors of the request envelope rather than of GameLift itself (Coral's codes)."""


class SerializationException(ProtocolError):
    code = "SerializationException"


class UnknownOperationException(ProtocolError):
    code = "UnknownOperationException"


class ThrottlingException(ProtocolError):
    code = "ThrottlingException"
