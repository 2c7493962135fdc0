"""Fleet records: what a fleet, its locations and its instances are, shaped like the model.

Statuses are the botocore enums. Records are dataclasses persisted through the
store; server processes are not here (they live in the in-memory process
table, see ``processes.py``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class FleetStatus(enum.StrEnum):
    NEW = "NEW"
    DOWNLOADING = "DOWNLOADING"
    VALIDATING = "VALIDATING"
    BUILDING = "BUILDING"
    ACTIVATING = "ACTIVATING"
    ACTIVE = "ACTIVE"
    DELETING = "DELETING"
    ERROR = "ERROR"
    TERMINATED = "TERMINATED"
    NOT_FOUND = "NOT_FOUND"
    EXPIRED = "EXPIRED"


# The creation workflow, in order; each stage lasts ``fleet_stage_seconds``.
CREATION_STAGES: tuple[FleetStatus, ...] = (
    FleetStatus.NEW,
    FleetStatus.DOWNLOADING,
    FleetStatus.VALIDATING,
    FleetStatus.BUILDING,
    FleetStatus.ACTIVATING,
    FleetStatus.ACTIVE,
)
GONE = (FleetStatus.DELETING, FleetStatus.TERMINATED)


class ComputeType(enum.StrEnum):
    EC2 = "EC2"
    ANYWHERE = "ANYWHERE"


class InstanceStatus(enum.StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    TERMINATING = "TERMINATING"


class FleetAction(enum.StrEnum):
    AUTO_SCALING = "AUTO_SCALING"


class ProtectionPolicy(enum.StrEnum):
    NO_PROTECTION = "NoProtection"
    FULL_PROTECTION = "FullProtection"


@dataclass
class FleetLocation:
    """One location of a fleet (the home Region is one too): its state and capacity."""

    location: str
    status: FleetStatus = FleetStatus.NEW
    status_since: float = 0.0
    # A new fleet (or location) starts with one desired instance, as the real service does.
    desired: int = 1
    minimum: int = 0
    maximum: int = 1
    stopped_actions: list[str] = field(default_factory=list)
    managed_capacity: dict[str, Any] | None = None

    def state_api(self) -> dict[str, Any]:
        return {"Location": self.location, "Status": self.status}


@dataclass
class Instance:
    """A simulated EC2 instance of a managed fleet (a compute named by its instance id)."""

    instance_id: str
    fleet_id: str
    location: str
    instance_type: str
    operating_system: str
    ip_address: str
    dns_name: str
    creation_time: float
    status: InstanceStatus = InstanceStatus.PENDING
    status_since: float = 0.0

    def to_api(self, fleet_arn: str) -> dict[str, Any]:
        return {
            "FleetId": self.fleet_id,
            "FleetArn": fleet_arn,
            "InstanceId": self.instance_id,
            "IpAddress": self.ip_address,
            "DnsName": self.dns_name,
            "OperatingSystem": self.operating_system,
            "Type": self.instance_type,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "Location": self.location,
        }


@dataclass
class Fleet:
    fleet_id: str
    fleet_arn: str
    name: str
    creation_time: float
    home_location: str
    compute_type: ComputeType = ComputeType.EC2
    status: FleetStatus = FleetStatus.NEW
    status_since: float = 0.0
    description: str | None = None
    build_id: str | None = None
    build_arn: str | None = None
    script_id: str | None = None
    script_arn: str | None = None
    fleet_type: str | None = None
    instance_type: str | None = None
    operating_system: str | None = None
    server_launch_path: str | None = None
    server_launch_parameters: str | None = None
    log_paths: list[str] = field(default_factory=list)
    new_game_session_protection_policy: str = ProtectionPolicy.NO_PROTECTION.value
    resource_creation_limit_policy: dict[str, Any] | None = None
    runtime_configuration: dict[str, Any] | None = None
    inbound_permissions: list[dict[str, Any]] = field(default_factory=list)
    metric_groups: list[str] = field(default_factory=list)
    instance_role_arn: str | None = None
    instance_role_credentials_provider: str | None = None
    certificate_configuration: dict[str, Any] | None = None
    anywhere_configuration: dict[str, Any] | None = None
    # Every location, home first; a location being deleted stays until it is gone.
    location_states: dict[str, FleetLocation] = field(default_factory=dict)
    termination_time: float | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def locations(self) -> list[str]:
        """The fleet's live locations (home included), for placement and checks by other services."""
        return [name for name, state in self.location_states.items() if state.status not in GONE]

    @property
    def home(self) -> FleetLocation:
        return self.location_states[self.home_location]

    @property
    def is_anywhere(self) -> bool:
        return self.compute_type == ComputeType.ANYWHERE

    def location(self, name: str | None) -> FleetLocation | None:
        return self.location_states.get(name or self.home_location)

    def to_api(self) -> dict[str, Any]:
        return {
            "FleetId": self.fleet_id,
            "FleetArn": self.fleet_arn,
            "FleetType": self.fleet_type,
            "InstanceType": self.instance_type,
            "Description": self.description,
            "Name": self.name,
            "CreationTime": self.creation_time,
            "TerminationTime": self.termination_time,
            "Status": self.status,
            "BuildId": self.build_id,
            "BuildArn": self.build_arn,
            "ScriptId": self.script_id,
            "ScriptArn": self.script_arn,
            "ServerLaunchPath": self.server_launch_path,
            "ServerLaunchParameters": self.server_launch_parameters,
            "LogPaths": self.log_paths or None,
            "NewGameSessionProtectionPolicy": self.new_game_session_protection_policy,
            "OperatingSystem": self.operating_system,
            "ResourceCreationLimitPolicy": self.resource_creation_limit_policy,
            "MetricGroups": self.metric_groups or None,
            "StoppedActions": list(self.home.stopped_actions) or None,
            "InstanceRoleArn": self.instance_role_arn,
            "CertificateConfiguration": self.certificate_configuration,
            "ComputeType": self.compute_type,
            "AnywhereConfiguration": self.anywhere_configuration,
            "InstanceRoleCredentialsProvider": self.instance_role_credentials_provider,
        }
