"""Alias operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation
from infra.emulator.pagination import paginate

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("CreateAlias")
def create_alias(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Alias": emu.aliases.create(p).to_api()}


@operation("DescribeAlias")
def describe_alias(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Alias": emu.aliases.get(p["AliasId"]).to_api()}


@operation("ListAliases")
def list_aliases(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    aliases = emu.aliases.list(p.get("RoutingStrategyType"), p.get("Name"))
    page, token = paginate(aliases, p.get("Limit"), p.get("NextToken"), listing="aliases")
    return {"Aliases": [a.to_api() for a in page], "NextToken": token}


@operation("UpdateAlias")
def update_alias(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Alias": emu.aliases.update(p["AliasId"], p).to_api()}


@operation("DeleteAlias")
def delete_alias(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.aliases.delete(p["AliasId"])
    return {}


@operation("ResolveAlias")
def resolve_alias(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet_id = emu.aliases.resolve(None, p["AliasId"])
    # Fleet ARNs name their kind twice: fleet/fleet-..., containerfleet/containerfleet-...
    kind = fleet_id.split("-", 1)[0]
    return {"FleetId": fleet_id, "FleetArn": emu.arns.resource(kind, fleet_id)}
