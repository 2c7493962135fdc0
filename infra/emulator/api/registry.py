"""The table of implemented operations, filled by ``@operation`` decorators."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.emulator.protocol.model import operation_names

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@dataclass(slots=True)
class RequestContext:
    """Who is calling and where: what a handler may need beyond the input."""

    operation: str
    request_id: str
    region: str
    account_id: str
    access_key: str | None = None
    protocol: str = "json"


Handler = Callable[["Emulator", RequestContext, dict[str, Any]], dict[str, Any] | Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Registered:
    handler: Handler
    is_async: bool


OPERATIONS: dict[str, Registered] = {}

# The modules that register handlers; imported once by ``load_handlers``.
HANDLER_MODULES = (
    "infra.emulator.api.builds",
    "infra.emulator.api.scripts",
    "infra.emulator.api.aliases",
    "infra.emulator.api.locations",
    "infra.emulator.api.tags",
    "infra.emulator.api.fleets",
    "infra.emulator.api.computes",
    "infra.emulator.api.game_sessions",
    "infra.emulator.api.player_sessions",
    "infra.emulator.api.scaling",
)


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of the model operation ``name``."""
    if name not in operation_names():
        raise ValueError(f"{name} is not an operation of the GameLift model")

    def register(fn: Handler) -> Handler:
        if name in OPERATIONS:
            raise ValueError(f"{name} registered twice")
        OPERATIONS[name] = Registered(fn, inspect.iscoroutinefunction(fn))
        return fn

    return register


def load_handlers() -> dict[str, Registered]:
    for module in HANDLER_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # A handler module not written yet is simply not implemented.
            if exc.name != module:
                raise
    return OPERATIONS
