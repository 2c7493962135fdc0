"""CreateFleet's checks and the record it makes.

Everything a CreateFleet request can get wrong is found here, before the
fleet service changes anything: the build (known, READY) or script, what an
EC2 fleet must name (instance type, runtime configuration), the locations
(custom ones for Anywhere fleets, AWS ones for managed fleets), ports and tags.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import InvalidRequestException, NotFoundException
from infra.emulator.fleets import ports, runtime
from infra.emulator.fleets.model import ComputeType, Fleet, FleetLocation, FleetStatus, ProtectionPolicy
from infra.emulator.tags import tags_from_request

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

# An AWS Region or Local Zone code (us-west-2, us-west-2-lax-1), when no location service knows the real list.
_AWS_LOCATION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d+(-[a-z]+-\d+[a-z]?)?$")
# Realtime scripts run on Linux; a script record may not say which.
SCRIPT_OPERATING_SYSTEM = "AMAZON_LINUX_2023"


def checked_locations(emulator: Emulator, names: list[str], *, anywhere: bool) -> list[str]:
    """Locations a fleet may deploy to: custom locations for Anywhere, AWS locations for EC2."""
    service = getattr(emulator, "locations", None)
    exists = getattr(service, "exists", None)
    is_custom = getattr(service, "is_custom", None)
    home = emulator.config.region
    out: list[str] = []
    for name in names:
        if name in out:
            continue
        if anywhere:
            if name == home:
                raise InvalidRequestException(f"Location {name} is not a custom location; Anywhere fleets need one")
            if exists is None or not exists(name):
                raise NotFoundException(f"Location {name} not found.")
            if is_custom is not None and not is_custom(name):
                raise InvalidRequestException(f"Location {name} is not a custom location; Anywhere fleets need one")
        else:
            if is_custom is not None and exists is not None and exists(name) and is_custom(name):
                raise InvalidRequestException(f"Custom location {name} can only be used by Anywhere fleets")
            known = exists(name) if exists is not None else bool(_AWS_LOCATION.match(name))
            if not known:
                raise InvalidRequestException(f"Location {name} is not a location supported for managed fleets")
        out.append(name)
    return out


def limit_policy(policy: dict[str, Any] | None) -> dict[str, Any] | None:
    """A ResourceCreationLimitPolicy as the fleet keeps it (None when empty)."""
    if not policy:
        return None
    keys = ("NewGameSessionsPerCreator", "PolicyPeriodInMinutes")
    return {k: int(policy[k]) for k in keys if policy.get(k) is not None}


def _source(emulator: Emulator, p: dict[str, Any], anywhere: bool) -> tuple[Any, Any]:
    """The build or script a fleet deploys (neither for an Anywhere fleet)."""
    if p.get("BuildId") and p.get("ScriptId"):
        raise InvalidRequestException("Specify either a BuildId or a ScriptId, not both")
    if p.get("BuildId"):
        build = emulator.builds.get(p["BuildId"])
        if str(build.status) != "READY":
            raise InvalidRequestException(f"Build {build.build_id} is not in READY status (status: {build.status})")
        return build, None
    if p.get("ScriptId"):
        scripts = getattr(emulator, "scripts", None)
        if scripts is None:
            raise NotFoundException(f"Script {p['ScriptId']} not found.")
        return None, scripts.get(p["ScriptId"])
    if not anywhere:
        raise InvalidRequestException("A managed EC2 fleet needs a BuildId or a ScriptId")
    return None, None


def _runtime_configuration(p: dict[str, Any], operating_system: str | None, anywhere: bool) -> dict[str, Any] | None:
    config = p.get("RuntimeConfiguration")
    if config is None and p.get("ServerLaunchPath"):
        if not anywhere:
            runtime.check_launch_path(p["ServerLaunchPath"], operating_system)
        config = runtime.from_legacy(p["ServerLaunchPath"], p.get("ServerLaunchParameters"))
    if config is None:
        if not anywhere:
            raise InvalidRequestException(
                "RuntimeConfiguration with at least one ServerProcesses entry is required for an EC2 fleet"
            )
        return None
    return runtime.normalise(config, operating_system, managed=not anywhere)


def _permissions(p: dict[str, Any], script: Any, anywhere: bool) -> list[dict[str, Any]]:
    permissions = ports.check_permissions(p.get("EC2InboundPermissions"))
    if anywhere and permissions:
        raise InvalidRequestException("EC2InboundPermissions apply to EC2 fleets only")
    if script is not None and not permissions:
        # Realtime fleets get their ports opened for them, TCP and UDP, as the service does.
        low, high = ports.DEFAULT_PORT_RANGE
        permissions = [
            {"FromPort": low, "ToPort": high, "IpRange": "0.0.0.0/0", "Protocol": protocol}
            for protocol in ("TCP", "UDP")
        ]
    return permissions


def new_fleet(emulator: Emulator, p: dict[str, Any]) -> Fleet:
    """The fleet a CreateFleet request describes, checked; nothing is stored yet."""
    compute_type = ComputeType(p.get("ComputeType") or ComputeType.EC2)
    anywhere = compute_type == ComputeType.ANYWHERE
    build, script = _source(emulator, p, anywhere)
    if not anywhere and not p.get("EC2InstanceType"):
        raise InvalidRequestException("EC2InstanceType is required for a fleet with ComputeType EC2")
    operating_system = None
    if build is not None:
        operating_system = str(build.operating_system)
    elif script is not None:
        operating_system = str(getattr(script, "operating_system", None) or SCRIPT_OPERATING_SYSTEM)
    locations = checked_locations(emulator, [loc["Location"] for loc in p.get("Locations") or []], anywhere=anywhere)
    if anywhere and not locations:
        raise InvalidRequestException("An Anywhere fleet needs at least one custom location in Locations")
    config = _runtime_configuration(p, operating_system, anywhere)
    permissions = _permissions(p, script, anywhere)
    tags = tags_from_request(p.get("Tags"))

    now = emulator.clock.now()
    fleet_id = emulator.ids.prefixed("fleet")
    home = emulator.config.region
    status = FleetStatus.ACTIVE if anywhere else FleetStatus.NEW
    # A managed location starts wanting one instance; an Anywhere location has computes, not instances.
    # UNCONFIRMED: an Anywhere fleet's home Region is listed beside its custom locations.
    desired = 0 if anywhere else 1
    states = {
        name: FleetLocation(name, status=status, status_since=now, desired=desired, maximum=desired)
        for name in [home, *locations]
    }
    return Fleet(
        fleet_id=fleet_id,
        fleet_arn=emulator.arns.resource("fleet", fleet_id),
        name=p["Name"],
        creation_time=now,
        home_location=home,
        compute_type=compute_type,
        status=status,
        status_since=now,
        description=p.get("Description"),
        build_id=build.build_id if build is not None else None,
        build_arn=build.build_arn if build is not None else None,
        script_id=getattr(script, "script_id", None),
        script_arn=getattr(script, "script_arn", None),
        fleet_type=None if anywhere else (p.get("FleetType") or "ON_DEMAND"),
        instance_type=None if anywhere else p.get("EC2InstanceType"),
        operating_system=operating_system,
        server_launch_path=p.get("ServerLaunchPath"),
        server_launch_parameters=p.get("ServerLaunchParameters"),
        log_paths=list(p.get("LogPaths") or []),
        new_game_session_protection_policy=p.get("NewGameSessionProtectionPolicy")
        or ProtectionPolicy.NO_PROTECTION.value,
        resource_creation_limit_policy=limit_policy(p.get("ResourceCreationLimitPolicy")),
        runtime_configuration=config,
        inbound_permissions=permissions,
        # UNCONFIRMED: fleets created without MetricGroups are reported in the "default" group.
        metric_groups=list(p.get("MetricGroups") or ["default"]),
        instance_role_arn=p.get("InstanceRoleArn"),
        instance_role_credentials_provider=p.get("InstanceRoleCredentialsProvider"),
        certificate_configuration=p.get("CertificateConfiguration") or {"CertificateType": "DISABLED"},
        anywhere_configuration=p.get("AnywhereConfiguration") if anywhere else None,
        location_states=states,
        tags=tags,
    )
