"""One operation call, protocol-agnostic: validate, run the handler, shape, commit.

This is the seam between the wire and the domain. It owns the transaction of a
request: writes staged by the handler are committed before the response is
encoded, and dropped if the handler raised, so a failed call changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import Registered, RequestContext, load_handlers
from infra.emulator.errors import (
    GameLiftError,
    InternalServiceException,
    InvalidRequestException,
    SerializationException,
    UnknownOperationException,
)
from infra.emulator.protocol.model import operation_model, operation_names
from infra.emulator.protocol.shaping import ShapeWriter
from infra.emulator.protocol.validation import BodyNotAnObjectError, InputValidationError, compile_validator

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

log = logging.getLogger("gamelift_local.api")


class Invoker:
    """Runs operations against an emulator; shared by both wire protocols."""

    def __init__(self, emulator: Emulator, strict: bool = False) -> None:
        self.emulator = emulator
        self.handlers: dict[str, Registered] = load_handlers()
        self.writers = {"json": ShapeWriter("json", strict), "cbor": ShapeWriter("cbor", strict)}
        self._validators: dict[str, Callable[[Any], dict[str, Any]]] = {}
        self._converters: dict[str, dict[str, Callable[[Any], Any]]] = {protocol: {} for protocol in self.writers}

    def _validator(self, name: str) -> Callable[[Any], dict[str, Any]]:
        validator = self._validators.get(name)
        if validator is None:
            shape = operation_model(name).input_shape
            validator = compile_validator(shape) if shape is not None else _no_input
            self._validators[name] = validator
        return validator

    def _converter(self, name: str, protocol: str) -> Callable[[Any], Any]:
        by_name = self._converters[protocol]
        conv = by_name.get(name)
        if conv is None:
            conv = by_name[name] = self.writers[protocol].converter(operation_model(name).output_shape)
        return conv

    def call(self, ctx: RequestContext, body: Any) -> Any:
        """Validate, run the handler, shape: the wire-ready output for ``ctx.protocol``, or GameLiftError.

        The handler's writes are staged in the store, not yet committed: the caller
        acknowledges only after ``store.flush()`` (or ``store.when_durable``).
        """
        registered, params = self._admit(ctx, body)
        if registered.is_async:
            raise RuntimeError(f"{ctx.operation} has an async handler: use Invoker.invoke")
        return self._run(ctx, registered, params)

    def _run(self, ctx: RequestContext, registered: Registered, params: dict[str, Any]) -> Any:
        try:
            with self.emulator.store.operation():
                result = registered.handler(self.emulator, ctx, params)
                return self._converter(ctx.operation, ctx.protocol)(result if result is not None else {})
        except GameLiftError:
            raise
        except Exception:
            raise self._internal_error(ctx) from None

    async def invoke(self, ctx: RequestContext, body: Any) -> Any:
        """``call`` for any handler, sync or async, returning once the writes are committed."""
        registered, params = self._admit(ctx, body)
        if not registered.is_async:
            output = self._run(ctx, registered, params)
        else:
            # An async handler may interleave with others; its writes go straight to the shared stage.
            try:
                result = await registered.handler(self.emulator, ctx, params)  # type: ignore[misc]
                output = self._converter(ctx.operation, ctx.protocol)(result if result is not None else {})
            except GameLiftError:
                raise
            except Exception:
                raise self._internal_error(ctx) from None
        # Acknowledge only what is on disk (shared with the other requests of this loop turn).
        await self.emulator.store.flush()
        return output

    def _admit(self, ctx: RequestContext, body: Any) -> tuple[Registered, dict[str, Any]]:
        name = ctx.operation
        registered = self.handlers.get(name)
        if registered is None:
            if name in operation_names():
                raise UnknownOperationException(
                    f"Operation {name} is not implemented by gamelift-local (see `gamelift-local coverage`)"
                )
            raise UnknownOperationException(f"Unknown operation {name}")
        try:
            return registered, self._validator(name)(body)
        except BodyNotAnObjectError as exc:
            raise SerializationException(str(exc)) from None
        except InputValidationError as exc:
            raise InvalidRequestException(str(exc)) from None

    @staticmethod
    def _internal_error(ctx: RequestContext) -> InternalServiceException:
        log.exception("operation=%s request_id=%s failed", ctx.operation, ctx.request_id)
        return InternalServiceException(
            f"gamelift-local failed while handling {ctx.operation} (request {ctx.request_id}); see its log"
        )


def _no_input(body: Any) -> dict[str, Any]:
    return {}
