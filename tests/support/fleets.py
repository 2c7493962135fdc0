"""Fleets for tests: a READY build and an ACTIVE fleet in a few lines."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from infra.emulator.launcher import EmulatorProcess

ROLE_ARN = "arn:aws:iam::123456789012:role/gamelift-local-test"
SERVER_PORTS = {"FromPort": 33430, "ToPort": 33439, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}


def ready_build(gl: Any, name: str = "test-build", operating_system: str = "AMAZON_LINUX_2023") -> str:
    """A READY build whose files are a small directory on this machine."""
    root = Path(tempfile.mkdtemp(prefix="gamelift-local-build-"))
    (root / "server").write_text("#!/bin/sh\necho server\n")
    build = gl.create_build(
        Name=name,
        StorageLocation={"Bucket": "gamelift-local", "Key": str(root), "RoleArn": ROLE_ARN},
        OperatingSystem=operating_system,
    )["Build"]
    return build["BuildId"]


def fleet_params(build_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Name": "test-fleet",
        "EC2InstanceType": "c5.large",
        "EC2InboundPermissions": [SERVER_PORTS],
        "RuntimeConfiguration": {
            "ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 2}],
        },
    }
    if build_id is not None:
        params["BuildId"] = build_id
    params.update(overrides)
    return params


def wait_active(gl: Any, emulator: EmulatorProcess, fleet_id: str, step: float = 1.0, steps: int = 60) -> dict:
    """Advance the manual clock until the fleet is ACTIVE; its attributes."""
    for _ in range(steps):
        attributes = gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]
        if attributes["Status"] == "ACTIVE":
            return attributes
        if attributes["Status"] in ("ERROR", "DELETING", "TERMINATED"):
            raise AssertionError(f"fleet {fleet_id} went {attributes['Status']}")
        emulator.advance(step)
    raise AssertionError(f"fleet {fleet_id} did not become ACTIVE")


def active_fleet(gl: Any, emulator: EmulatorProcess, **overrides: Any) -> str:
    """Create a managed fleet (on a fresh READY build unless BuildId/ScriptId is given) and make it ACTIVE.

    Defaults: c5.large, ports 33430-33439/TCP, two simulated server processes
    per instance at /local/game/server, one instance in the home Region.
    """
    build_id = None if ("BuildId" in overrides or "ScriptId" in overrides) else ready_build(gl)
    fleet_id = gl.create_fleet(**fleet_params(build_id, **overrides))["FleetAttributes"]["FleetId"]
    wait_active(gl, emulator, fleet_id)
    # Let the first instance finish booting if it has not yet.
    emulator.advance(1.0)
    return fleet_id
