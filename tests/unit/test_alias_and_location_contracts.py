"""What the fleets and session services rely on: AliasService.resolve/get and LocationService.exists/is_custom.

Run in-process against an Emulator with a stand-in fleets service, so the
contracts hold whether or not the real fleets service is built yet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.emulator.config import EmulatorConfig
from infra.emulator.emulator import Emulator
from infra.emulator.errors import (
    InvalidRequestException,
    NotFoundException,
    TerminalRoutingStrategyException,
)

FLEET = "fleet-11111111-2222-3333-4444-555555555555"
OTHER = "fleet-66666666-7777-8888-9999-000000000000"


class StubFleets:
    """The two questions aliases and locations ask of the fleets service."""

    def __init__(self, fleet_ids: set[str], locations_in_use: set[str]) -> None:
        self.fleet_ids = fleet_ids
        self.locations_in_use = locations_in_use

    def get(self, fleet_id: str) -> str:
        if fleet_id not in self.fleet_ids:
            raise NotFoundException(f"Fleet {fleet_id} not found.")
        return fleet_id

    def uses_location(self, name: str) -> bool:
        return name in self.locations_in_use

    # The Service protocol, so Emulator.reset can call it.
    def load(self) -> None: ...

    def resume(self) -> None: ...

    def reset(self) -> None: ...


@pytest.fixture
def emu(tmp_path: Path) -> Emulator:
    emulator = Emulator(EmulatorConfig(database=":memory:", data_dir=str(tmp_path), clock="manual"))
    emulator.fleets = StubFleets({FLEET, OTHER}, {"custom-busy"})  # type: ignore[attr-defined]
    return emulator


def simple(emu: Emulator, fleet_id: str = FLEET):
    return emu.aliases.create({"Name": "live", "RoutingStrategy": {"Type": "SIMPLE", "FleetId": fleet_id}})


def test_resolve_a_fleet_reference_returns_the_bare_id(emu: Emulator) -> None:
    assert emu.aliases.resolve(FLEET, None) == FLEET
    assert emu.aliases.resolve(f"arn:aws:gamelift:us-west-2:123456789012:fleet/{FLEET}", None) == FLEET


def test_resolve_an_alias_by_id_or_arn(emu: Emulator) -> None:
    alias = simple(emu)
    assert emu.aliases.resolve(None, alias.alias_id) == FLEET
    assert emu.aliases.resolve(None, alias.alias_arn) == FLEET
    # The account-bearing form of the ARN resolves too.
    assert emu.aliases.resolve(None, emu.arns.resource("alias", alias.alias_id)) == FLEET
    assert emu.aliases.get(alias.alias_arn) is alias


@pytest.mark.parametrize(("fleet_id", "alias_id"), [(None, None), ("", ""), (FLEET, "alias-x")])
def test_resolve_needs_exactly_one_reference(emu: Emulator, fleet_id, alias_id) -> None:
    with pytest.raises(InvalidRequestException) as exc:
        emu.aliases.resolve(fleet_id, alias_id)
    assert exc.value.message == "Each request must reference either a fleet ID or alias ID, but not both."


def test_resolve_unknown_and_terminal_aliases(emu: Emulator) -> None:
    with pytest.raises(NotFoundException):
        emu.aliases.resolve(None, "alias-00000000-0000-0000-0000-000000000000")
    terminal = emu.aliases.create({"Name": "gone", "RoutingStrategy": {"Type": "TERMINAL", "Message": "Update!"}})
    with pytest.raises(TerminalRoutingStrategyException) as exc:
        emu.aliases.resolve(None, terminal.alias_id)
    assert exc.value.message == "Update!"


def test_simple_alias_needs_an_existing_fleet(emu: Emulator) -> None:
    with pytest.raises(NotFoundException):
        simple(emu, "fleet-00000000-0000-0000-0000-000000000000")
    assert emu.aliases.count() == 0
    alias = simple(emu)
    with pytest.raises(NotFoundException):
        emu.aliases.update(alias.alias_id, {"RoutingStrategy": {"Type": "SIMPLE", "FleetId": "fleet-gone"}})
    assert emu.aliases.resolve(None, alias.alias_id) == FLEET
    emu.aliases.update(alias.alias_id, {"RoutingStrategy": {"Type": "SIMPLE", "FleetId": OTHER}})
    assert emu.aliases.resolve(None, alias.alias_id) == OTHER


def test_aliases_reload_from_the_store(emu: Emulator) -> None:
    alias = simple(emu)
    emu.store.commit()
    emu.aliases.reset()
    emu.aliases.load()
    assert emu.aliases.get(alias.alias_id) == alias


def test_location_exists_and_is_custom(emu: Emulator) -> None:
    assert emu.locations.exists("us-east-1")
    assert emu.locations.exists("us-west-2-lax-1")
    assert emu.locations.exists(emu.config.region)
    assert not emu.locations.exists("custom-lab")
    assert not emu.locations.is_custom("custom-lab")
    assert not emu.locations.is_custom("us-east-1")
    location = emu.locations.create("custom-lab", None)
    assert emu.locations.exists("custom-lab") and emu.locations.exists(location.location_arn)
    assert emu.locations.is_custom("custom-lab")
    emu.locations.delete("custom-lab")
    assert not emu.locations.exists("custom-lab")


def test_location_in_use_is_not_deleted(emu: Emulator) -> None:
    emu.locations.create("custom-busy", None)
    with pytest.raises(InvalidRequestException):
        emu.locations.delete("custom-busy")
    assert emu.locations.is_custom("custom-busy")
