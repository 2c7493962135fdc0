"""Build operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation
from infra.emulator.builds import BuildStatus
from infra.emulator.pagination import paginate

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("CreateBuild")
def create_build(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    build = emu.builds.create(p)
    out: dict[str, Any] = {"Build": build.to_api()}
    if build.status == BuildStatus.INITIALIZED:
        out["UploadCredentials"] = emu.builds.upload_credentials(build)
        out["StorageLocation"] = emu.builds.upload_location(build)
    elif build.storage_location:
        out["StorageLocation"] = build.storage_location
    return out


@operation("DescribeBuild")
def describe_build(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Build": emu.builds.get(p["BuildId"]).to_api()}


@operation("ListBuilds")
def list_builds(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    page, token = paginate(emu.builds.list(p.get("Status")), p.get("Limit"), p.get("NextToken"), listing="builds")
    return {"Builds": [b.to_api() for b in page], "NextToken": token}


@operation("UpdateBuild")
def update_build(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Build": emu.builds.update(p["BuildId"], p.get("Name"), p.get("Version")).to_api()}


@operation("DeleteBuild")
def delete_build(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.builds.delete(p["BuildId"])
    return {}


@operation("RequestUploadCredentials")
def request_upload_credentials(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    build = emu.builds.get(p["BuildId"])
    return {
        "UploadCredentials": emu.builds.upload_credentials(build),
        "StorageLocation": emu.builds.upload_location(build),
    }
