"""Computes: Anywhere hosts registered by their owners, and managed instances seen as computes.

An Anywhere fleet's computes are the customer's machines: RegisterCompute
records one (name unique in the fleet, an IP address or DNS name, a custom
location of the fleet) and answers with the endpoint its server processes give
InitSDK, which is this emulator's WebSocket URL. GetComputeAuthToken issues the
short-lived token those processes authenticate with; the SDK endpoint asks
``check_auth_token``. On managed EC2 fleets each instance is a compute named by
its instance id (ListCompute, DescribeCompute, GetComputeAccess).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import ConflictException, InvalidRequestException, NotFoundException
from infra.emulator.fleets.model import GONE, Fleet, FleetStatus, Instance

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

log = logging.getLogger("gamelift_local.computes")

KIND = "compute"
TOKEN_KIND = "compute_auth_token"
# UNCONFIRMED: Anywhere auth tokens are documented as short-lived; 15 minutes is the commonly observed lifetime.
AUTH_TOKEN_SECONDS = 15 * 60


class ComputeStatus(enum.StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    TERMINATING = "TERMINATING"
    IMPAIRED = "IMPAIRED"


@dataclass
class Compute:
    fleet_id: str
    fleet_arn: str
    compute_name: str
    compute_arn: str
    location: str
    creation_time: float
    ip_address: str | None = None
    dns_name: str | None = None
    certificate_path: str | None = None
    status: ComputeStatus = ComputeStatus.ACTIVE

    @property
    def key(self) -> str:
        return f"{self.fleet_id}/{self.compute_name}"


@dataclass
class AuthToken:
    token: str
    fleet_id: str
    compute_name: str
    expires_at: float


def _name_of(compute_name_or_arn: str) -> str:
    if compute_name_or_arn.startswith("arn:"):
        return compute_name_or_arn.split(":compute/", 1)[-1]
    return compute_name_or_arn


class ComputeService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._computes: dict[str, Compute] = {}
        self._tokens: dict[str, AuthToken] = {}

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        self._computes = {c.key: c for c in self.emulator.store.load(KIND, Compute)}
        self._tokens = {t.token: t for t in self.emulator.store.load(TOKEN_KIND, AuthToken)}

    def resume(self) -> None:
        now = self.emulator.clock.now()
        for token in [t for t in self._tokens.values() if t.expires_at <= now]:
            self._drop_token(token)

    def reset(self) -> None:
        self._computes.clear()
        self._tokens.clear()

    def count(self) -> int:
        return len(self._computes)

    def _save(self, compute: Compute) -> None:
        self.emulator.store.put(KIND, compute.key, compute)

    # -- endpoints ---------------------------------------------------------------------
    def _http_url(self) -> str:
        config = self.emulator.config
        return (config.advertised_url or f"http://{config.host}:{config.port}").rstrip("/")

    def sdk_endpoint(self) -> str:
        """The URL server processes pass to InitSDK: this emulator's WebSocket (ws:// for http://)."""
        url = self._http_url()
        if url.startswith("https://"):
            return "wss://" + url[len("https://") :]
        if url.startswith("http://"):
            return "ws://" + url[len("http://") :]
        return url

    # -- views -------------------------------------------------------------------------
    def _compute_api(self, fleet: Fleet, compute: Compute) -> dict[str, Any]:
        return {
            "FleetId": fleet.fleet_id,
            "FleetArn": fleet.fleet_arn,
            "ComputeName": compute.compute_name,
            "ComputeArn": compute.compute_arn,
            "IpAddress": compute.ip_address,
            "DnsName": compute.dns_name,
            "ComputeStatus": compute.status,
            "Location": compute.location,
            "CreationTime": compute.creation_time,
            "GameLiftServiceSdkEndpoint": self.sdk_endpoint(),
            # UNCONFIRMED: the Agent talks to the same emulator over HTTP.
            "GameLiftAgentEndpoint": self._http_url(),
        }

    def _instance_api(self, fleet: Fleet, instance: Instance) -> dict[str, Any]:
        return {
            "FleetId": fleet.fleet_id,
            "FleetArn": fleet.fleet_arn,
            "ComputeName": instance.instance_id,
            "ComputeArn": self.emulator.arns.resource("compute", instance.instance_id),
            "IpAddress": instance.ip_address,
            "DnsName": instance.dns_name,
            "ComputeStatus": str(instance.status),
            "Location": instance.location,
            "CreationTime": instance.creation_time,
            "OperatingSystem": instance.operating_system,
            "Type": instance.instance_type,
            "InstanceId": instance.instance_id,
        }

    # -- registration ------------------------------------------------------------------
    def register(self, p: dict[str, Any]) -> dict[str, Any]:
        fleet = self.emulator.fleets.get(p["FleetId"])
        if not fleet.is_anywhere:
            raise InvalidRequestException(
                f"Fleet {fleet.fleet_id} is a managed EC2 fleet; computes are registered with Anywhere fleets only"
            )
        if fleet.status != FleetStatus.ACTIVE:
            raise InvalidRequestException(
                f"Fleet {fleet.fleet_id} is {fleet.status}; computes register with ACTIVE fleets"
            )
        location = p.get("Location")
        if not location:
            raise InvalidRequestException("Location is required to register a compute with an Anywhere fleet")
        state = fleet.location_states.get(location)
        if location == fleet.home_location or state is None or state.status in GONE:
            raise InvalidRequestException(f"Location {location} is not a custom location of fleet {fleet.fleet_id}")
        if not p.get("IpAddress") and not p.get("DnsName"):
            raise InvalidRequestException("Provide the compute's IpAddress or DnsName")
        name = p["ComputeName"]
        key = f"{fleet.fleet_id}/{name}"
        existing = self._computes.get(key)
        if existing is not None:
            same = (existing.ip_address, existing.dns_name, existing.location) == (
                p.get("IpAddress"),
                p.get("DnsName"),
                location,
            )
            if not same:
                raise ConflictException(f"Compute {name} is already registered with fleet {fleet.fleet_id}")
            # UNCONFIRMED: registering the same compute again (an Agent restarting) returns it unchanged.
            return self._compute_api(fleet, existing)
        compute = Compute(
            fleet_id=fleet.fleet_id,
            fleet_arn=fleet.fleet_arn,
            compute_name=name,
            compute_arn=self.emulator.arns.resource("compute", name),
            location=location,
            creation_time=self.emulator.clock.now(),
            ip_address=p.get("IpAddress"),
            dns_name=p.get("DnsName"),
            certificate_path=p.get("CertificatePath"),
        )
        self._computes[key] = compute
        self._save(compute)
        log.info("fleet=%s compute=%s registered location=%s", fleet.fleet_id, name, location)
        return self._compute_api(fleet, compute)

    def deregister(self, fleet_id: str, compute_name: str) -> None:
        fleet = self.emulator.fleets.get(fleet_id)
        name = _name_of(compute_name)
        if not fleet.is_anywhere:
            raise InvalidRequestException(
                f"Fleet {fleet.fleet_id} is a managed EC2 fleet; its instances are not registered"
            )
        compute = self._computes.get(f"{fleet.fleet_id}/{name}")
        if compute is None:
            raise NotFoundException(f"Compute {name} not found in fleet {fleet.fleet_id}.")
        self._forget(compute)
        self.emulator.fleets.compute_gone(fleet.fleet_id, name)

    def _forget(self, compute: Compute) -> None:
        del self._computes[compute.key]
        self.emulator.store.delete(KIND, compute.key)
        for token in [
            t for t in self._tokens.values() if (t.fleet_id, t.compute_name) == (compute.fleet_id, compute.compute_name)
        ]:
            self._drop_token(token)

    def forget_fleet(self, fleet_id: str) -> None:
        """The fleet is terminated: its computes and tokens go with it."""
        for compute in [c for c in self._computes.values() if c.fleet_id == fleet_id]:
            self._forget(compute)
        for token in [t for t in self._tokens.values() if t.fleet_id == fleet_id]:
            self._drop_token(token)

    def forget_location(self, fleet_id: str, location: str) -> None:
        for compute in [c for c in self._computes.values() if c.fleet_id == fleet_id and c.location == location]:
            self._forget(compute)
            self.emulator.fleets.compute_gone(fleet_id, compute.compute_name)

    # -- reads ---------------------------------------------------------------------------
    def describe(self, fleet_id: str, compute_name: str) -> dict[str, Any]:
        fleet = self.emulator.fleets.get(fleet_id)
        name = _name_of(compute_name)
        if fleet.is_anywhere:
            compute = self._computes.get(f"{fleet.fleet_id}/{name}")
            if compute is not None:
                return self._compute_api(fleet, compute)
        else:
            instance = self.emulator.fleets.instance(fleet.fleet_id, name)
            if instance is not None:
                return self._instance_api(fleet, instance)
        raise NotFoundException(f"Compute {name} not found in fleet {fleet.fleet_id}.")

    def list(self, fleet_id: str, location: str | None, status: str | None) -> list[dict[str, Any]]:
        fleet = self.emulator.fleets.get(fleet_id)
        if fleet.is_anywhere:
            computes = sorted(
                (c for c in self._computes.values() if c.fleet_id == fleet.fleet_id),
                key=lambda c: (c.creation_time, c.compute_name),
            )
            views = [self._compute_api(fleet, c) for c in computes if location is None or c.location == location]
        else:
            views = [self._instance_api(fleet, i) for i in self.emulator.fleets.instances(fleet.fleet_id, location)]
        if status is not None:
            views = [v for v in views if v["ComputeStatus"] == status]
        return views

    # -- credentials -------------------------------------------------------------------------
    def _known_compute(self, fleet: Fleet, name: str) -> str:
        """The compute's ARN, if the fleet has a compute by that name."""
        if fleet.is_anywhere:
            compute = self._computes.get(f"{fleet.fleet_id}/{name}")
            if compute is not None:
                return compute.compute_arn
        elif self.emulator.fleets.instance(fleet.fleet_id, name) is not None:
            return self.emulator.arns.resource("compute", name)
        raise NotFoundException(f"Compute {name} not found in fleet {fleet.fleet_id}.")

    def auth_token(self, fleet_id: str, compute_name: str) -> dict[str, Any]:
        fleet = self.emulator.fleets.get(fleet_id)
        name = _name_of(compute_name)
        arn = self._known_compute(fleet, name)
        now = self.emulator.clock.now()
        for stale in [t for t in self._tokens.values() if t.expires_at <= now]:
            self._drop_token(stale)
        token = AuthToken(
            token=self.emulator.ids.source.uuid(),
            fleet_id=fleet.fleet_id,
            compute_name=name,
            expires_at=now + AUTH_TOKEN_SECONDS,
        )
        self._tokens[token.token] = token
        self.emulator.store.put(TOKEN_KIND, token.token, token)
        return {
            "FleetId": fleet.fleet_id,
            "FleetArn": fleet.fleet_arn,
            "ComputeName": name,
            "ComputeArn": arn,
            "AuthToken": token.token,
            "ExpirationTimestamp": token.expires_at,
        }

    def check_auth_token(self, token: str, fleet_id: str, compute_name: str) -> bool:
        """Whether ``token`` was issued for this fleet and compute and has not expired."""
        found = self._tokens.get(token)
        if found is None:
            return False
        fleet = self.emulator.fleets.find(fleet_id)
        wanted_fleet = fleet.fleet_id if fleet is not None else fleet_id
        return (
            found.fleet_id == wanted_fleet
            and found.compute_name == _name_of(compute_name)
            and found.expires_at > self.emulator.clock.now()
        )

    def _drop_token(self, token: AuthToken) -> None:
        self._tokens.pop(token.token, None)
        self.emulator.store.delete(TOKEN_KIND, token.token)

    def access(self, fleet_id: str, compute_name: str) -> dict[str, Any]:
        """GetComputeAccess: session credentials for a managed instance (fake, STS-shaped)."""
        fleet = self.emulator.fleets.get(fleet_id)
        name = _name_of(compute_name)
        if fleet.is_anywhere:
            raise InvalidRequestException(
                f"Fleet {fleet.fleet_id} is an Anywhere fleet; remote access is for managed EC2 fleets"
            )
        arn = self._known_compute(fleet, name)
        source = self.emulator.ids.source
        return {
            "FleetId": fleet.fleet_id,
            "FleetArn": fleet.fleet_arn,
            "ComputeName": name,
            "ComputeArn": arn,
            "Credentials": {
                "AccessKeyId": "ASIA" + source.hex(16).upper(),
                "SecretAccessKey": source.hex(40),
                "SessionToken": source.hex(64),
            },
            "Target": name,
        }
