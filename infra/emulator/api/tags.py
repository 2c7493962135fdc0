"""Tagging operations, for every taggable resource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("TagResource")
def tag_resource(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.tags.tag(p["ResourceARN"], p["Tags"])
    return {}


@operation("UntagResource")
def untag_resource(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.tags.untag(p["ResourceARN"], p["TagKeys"])
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": emu.tags.list_tags(p["ResourceARN"])}
