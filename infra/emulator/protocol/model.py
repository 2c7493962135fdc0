"""botocore's GameLift model: the one authority for operations, shapes, enums and errors."""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel


@cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("gamelift")


@cache
def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)


@cache
def operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


@cache
def error_codes(operation: str) -> frozenset[str]:
    """The error codes the model says an operation can return."""
    return frozenset(shape.name for shape in operation_model(operation).error_shapes)
