"""Aliases: a stable name for a fleet, so clients and queues survive a fleet swap.

A SIMPLE alias points at one fleet; a TERMINAL alias points nowhere and answers
every resolution with a TerminalRoutingStrategyException carrying its message
(how a retired game version tells players to upgrade). Other services accept
"a fleet ID or an alias ID" in many calls; ``resolve`` is the one place that
turns either into a fleet id.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import (
    InvalidRequestException,
    LimitExceededException,
    NotFoundException,
    TerminalRoutingStrategyException,
)
from infra.emulator.tags import tags_from_request

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

KIND = "alias"
# The real "Aliases per region" quota (adjustable in AWS; here through
# ``config.max_aliases`` when the config has it).
DEFAULT_MAX_ALIASES = 100
# The rule every "fleet ID or alias ID" operation documents in the model.
FLEET_OR_ALIAS = "Each request must reference either a fleet ID or alias ID, but not both."


class RoutingStrategyType(enum.StrEnum):
    SIMPLE = "SIMPLE"
    TERMINAL = "TERMINAL"


@dataclass
class RoutingStrategy:
    type: RoutingStrategyType
    fleet_id: str | None = None
    message: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {"Type": self.type, "FleetId": self.fleet_id, "Message": self.message}


@dataclass
class Alias:
    alias_id: str
    alias_arn: str
    name: str
    routing_strategy: RoutingStrategy
    creation_time: float
    last_updated_time: float
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {
            "AliasId": self.alias_id,
            "Name": self.name,
            "AliasArn": self.alias_arn,
            "Description": self.description,
            "RoutingStrategy": self.routing_strategy.to_api(),
            "CreationTime": self.creation_time,
            "LastUpdatedTime": self.last_updated_time,
        }


def bare_fleet_id(value: str) -> str:
    """A fleet id from a fleet id or ARN (``...:fleet/fleet-...``, ``...:containerfleet/containerfleet-...``)."""
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


class AliasService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._aliases: dict[str, Alias] = {}
        emulator.tags.register(self._resolve_arn)

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        records = sorted(self.emulator.store.load(KIND, Alias), key=lambda a: a.creation_time)
        self._aliases = {a.alias_id: a for a in records}

    def resume(self) -> None:
        pass

    def reset(self) -> None:
        self._aliases.clear()

    def count(self) -> int:
        return len(self._aliases)

    def _save(self, alias: Alias) -> None:
        self.emulator.store.put(KIND, alias.alias_id, alias)

    def alias_arn(self, alias_id: str) -> str:
        # Real alias ARNs carry no account ("arn:aws:gamelift:us-east-1::alias/alias-...",
        # as the API reference and live CLI output show), unlike build or fleet ARNs.
        return f"arn:aws:gamelift:{self.emulator.config.region}::alias/{alias_id}"

    def _by_arn(self, arn: str) -> Alias | None:
        if ":alias/" not in arn:
            return None
        alias = self._aliases.get(arn.rsplit("/", 1)[-1])
        # Also accept the ARN with the account filled in, as a caller building
        # ARNs with the account-bearing pattern would write it.
        if alias is None or arn not in (alias.alias_arn, self.emulator.arns.resource("alias", alias.alias_id)):
            return None
        return alias

    def _resolve_arn(self, arn: str) -> tuple[Alias, Any] | None:
        alias = self._by_arn(arn)
        if alias is None:
            return None
        return alias, lambda: self._save(alias)

    # -- queries for other services ----------------------------------------------
    def get(self, alias_id: str) -> Alias:
        """The alias with this id or ARN; NotFoundException otherwise."""
        alias = self._by_arn(alias_id) if alias_id.startswith("arn:") else self._aliases.get(alias_id)
        if alias is None:
            # UNCONFIRMED: the real message's exact wording.
            raise NotFoundException(f"Alias {alias_id} not found.")
        return alias

    def resolve(self, fleet_id: str | None, alias_id: str | None) -> str:
        """The fleet id a request addresses through exactly one of a fleet id/ARN or an alias id/ARN.

        A fleet reference is returned bare (not checked to exist: the caller
        looks the fleet up and reports it). An alias must exist and be SIMPLE.
        """
        if bool(fleet_id) == bool(alias_id):
            raise InvalidRequestException(FLEET_OR_ALIAS)
        if fleet_id:
            return bare_fleet_id(fleet_id)
        assert alias_id is not None
        alias = self.get(alias_id)
        strategy = alias.routing_strategy
        if strategy.type == RoutingStrategyType.TERMINAL or not strategy.fleet_id:
            raise TerminalRoutingStrategyException(
                strategy.message or f"Alias {alias.alias_id} has a TERMINAL routing strategy."
            )
        return strategy.fleet_id

    # -- operations --------------------------------------------------------------
    def _strategy(self, given: dict[str, Any]) -> RoutingStrategy:
        """A routing strategy from the request, with its fleet checked to exist."""
        kind = given.get("Type")
        if kind is None:
            # UNCONFIRMED wording: the model leaves Type optional, but a strategy needs one.
            raise InvalidRequestException("RoutingStrategy Type is required (SIMPLE or TERMINAL).")
        if kind == RoutingStrategyType.TERMINAL:
            # The real service keeps only the message of a TERMINAL strategy and
            # silently drops a FleetId sent with it.
            return RoutingStrategy(RoutingStrategyType.TERMINAL, message=given.get("Message"))
        fleet_id = given.get("FleetId")
        if not fleet_id:
            # UNCONFIRMED wording.
            raise InvalidRequestException("A SIMPLE routing strategy requires a FleetId.")
        fleets = getattr(self.emulator, "fleets", None)
        if fleets is not None:
            fleets.get(fleet_id)  # NotFoundException for an unknown fleet
        # UNCONFIRMED: a Message sent with SIMPLE is dropped, mirroring TERMINAL's FleetId.
        return RoutingStrategy(RoutingStrategyType.SIMPLE, fleet_id=fleet_id)

    def create(self, params: dict[str, Any]) -> Alias:
        strategy = self._strategy(params["RoutingStrategy"])
        tags = tags_from_request(params.get("Tags"))
        limit = int(getattr(self.emulator.config, "max_aliases", DEFAULT_MAX_ALIASES))
        if len(self._aliases) >= limit:
            raise LimitExceededException(f"You have reached the limit of {limit} aliases.")
        alias_id = self.emulator.ids.prefixed("alias")
        now = self.emulator.clock.now()
        alias = Alias(
            alias_id=alias_id,
            alias_arn=self.alias_arn(alias_id),
            name=params["Name"],
            routing_strategy=strategy,
            creation_time=now,
            last_updated_time=now,
            description=params.get("Description"),
            tags=tags,
        )
        self._aliases[alias_id] = alias
        self._save(alias)
        return alias

    def list(self, routing_type: str | None, name: str | None) -> list[Alias]:
        # UNCONFIRMED: Name filters by exact match (the docs only call it "a descriptive label").
        return [
            a
            for a in self._aliases.values()
            if (routing_type is None or a.routing_strategy.type == routing_type) and (name is None or a.name == name)
        ]

    def update(self, alias_id: str, params: dict[str, Any]) -> Alias:
        alias = self.get(alias_id)
        strategy = self._strategy(params["RoutingStrategy"]) if params.get("RoutingStrategy") else None
        if params.get("Name") is not None:
            alias.name = params["Name"]
        if params.get("Description") is not None:
            alias.description = params["Description"]
        if strategy is not None:
            alias.routing_strategy = strategy
        alias.last_updated_time = self.emulator.clock.now()
        self._save(alias)
        return alias

    def delete(self, alias_id: str) -> None:
        alias = self.get(alias_id)
        del self._aliases[alias.alias_id]
        self.emulator.store.delete(KIND, alias.alias_id)
