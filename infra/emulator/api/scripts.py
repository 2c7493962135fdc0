"""Realtime script operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation
from infra.emulator.pagination import paginate

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("CreateScript")
def create_script(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Script": emu.scripts.create(p).to_api()}


@operation("DescribeScript")
def describe_script(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Script": emu.scripts.get(p["ScriptId"]).to_api()}


@operation("ListScripts")
def list_scripts(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(emu.scripts.list(), p.get("Limit"), p.get("NextToken"), listing="scripts")
    return {"Scripts": [s.to_api() for s in page], "NextToken": token}


@operation("UpdateScript")
def update_script(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Script": emu.scripts.update(p["ScriptId"], p).to_api()}


@operation("DeleteScript")
def delete_script(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.scripts.delete(p["ScriptId"])
    return {}
