"""Location operations: AWS locations and custom locations for Anywhere fleets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation
from infra.emulator.pagination import paginate

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("CreateLocation")
def create_location(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Location": emu.locations.create(p["LocationName"], p.get("Tags")).to_api()}


@operation("ListLocations")
def list_locations(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    locations = emu.locations.list(p.get("Filters"))
    page, token = paginate(locations, p.get("Limit"), p.get("NextToken"), listing="locations")
    return {"Locations": page, "NextToken": token}


@operation("DeleteLocation")
def delete_location(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.locations.delete(p["LocationName"])
    return {}
