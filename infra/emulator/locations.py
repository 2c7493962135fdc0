"""Locations: the AWS Regions and Local Zones GameLift hosts in, and custom locations for Anywhere fleets.

AWS locations are a fixed table (the real service's list; they cannot be
created or deleted). Custom locations are the caller's own names, always
``custom-...`` (the model's pattern enforces the prefix), that Anywhere fleets
register computes in. The fleets service asks ``exists`` and ``is_custom``
when a fleet names a location, and ``DeleteLocation`` asks the fleets service
whether a fleet still uses a custom location.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import ConflictException, InvalidRequestException, LimitExceededException, NotFoundException
from infra.emulator.tags import tags_from_request

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

KIND = "location"
PING_PORT = 7770
# The real "Custom locations per region" quota (adjustable in AWS; here through
# ``config.max_custom_locations`` when the config has it).
DEFAULT_MAX_CUSTOM_LOCATIONS = 20

# (location, ping beacon domain), from the "UDP ping beacon endpoints" table of
# the Amazon GameLift Servers endpoints and quotas page (AWS General Reference).
# Regions use gamelift-ping.<region>.api.aws; Local Zones use the zone's city
# code before the parent Region (gamelift-ping-lax.us-west-2.api.aws).
AWS_LOCATIONS: tuple[tuple[str, str], ...] = (
    ("us-east-1", "gamelift-ping.us-east-1.api.aws"),
    ("us-east-2", "gamelift-ping.us-east-2.api.aws"),
    ("us-west-1", "gamelift-ping.us-west-1.api.aws"),
    ("us-west-2", "gamelift-ping.us-west-2.api.aws"),
    ("ca-central-1", "gamelift-ping.ca-central-1.api.aws"),
    ("us-west-2-lax-1", "gamelift-ping-lax.us-west-2.api.aws"),
    ("us-east-1-chi-1", "gamelift-ping-chi.us-east-1.api.aws"),
    ("us-east-1-iah-1", "gamelift-ping-iah.us-east-1.api.aws"),
    ("us-east-1-dfw-1", "gamelift-ping-dfw.us-east-1.api.aws"),
    ("us-west-2-den-1", "gamelift-ping-den.us-west-2.api.aws"),
    ("us-east-1-atl-1", "gamelift-ping-atl.us-east-1.api.aws"),
    ("us-west-2-phx-1", "gamelift-ping-phx.us-west-2.api.aws"),
    ("us-east-1-mci-1", "gamelift-ping-mci.us-east-1.api.aws"),
    ("sa-east-1", "gamelift-ping.sa-east-1.api.aws"),
    ("eu-west-1", "gamelift-ping.eu-west-1.api.aws"),
    ("eu-west-2", "gamelift-ping.eu-west-2.api.aws"),
    ("eu-west-3", "gamelift-ping.eu-west-3.api.aws"),
    ("eu-central-1", "gamelift-ping.eu-central-1.api.aws"),
    ("eu-south-1", "gamelift-ping.eu-south-1.api.aws"),
    ("eu-north-1", "gamelift-ping.eu-north-1.api.aws"),
    ("ap-southeast-5", "gamelift-ping.ap-southeast-5.api.aws"),
    ("ap-south-1", "gamelift-ping.ap-south-1.api.aws"),
    ("ap-east-1", "gamelift-ping.ap-east-1.api.aws"),
    ("ap-southeast-7", "gamelift-ping.ap-southeast-7.api.aws"),
    ("ap-northeast-3", "gamelift-ping.ap-northeast-3.api.aws"),
    ("ap-northeast-2", "gamelift-ping.ap-northeast-2.api.aws"),
    ("ap-southeast-1", "gamelift-ping.ap-southeast-1.api.aws"),
    ("ap-southeast-2", "gamelift-ping.ap-southeast-2.api.aws"),
    ("ap-northeast-1", "gamelift-ping.ap-northeast-1.api.aws"),
    ("me-south-1", "gamelift-ping.me-south-1.api.aws"),
    ("af-south-1", "gamelift-ping.af-south-1.api.aws"),
    ("af-south-1-los-1", "gamelift-ping-los.af-south-1.api.aws"),
)
_AWS_NAMES = frozenset(name for name, _domain in AWS_LOCATIONS)


def aws_location_api(name: str, domain: str) -> dict[str, Any]:
    # AWS locations carry no LocationArn: the model's LocationArn pattern only
    # admits custom locations, and the docs describe the ARN as "for custom locations".
    return {"LocationName": name, "PingBeacon": {"UDPEndpoint": {"Domain": domain, "Port": PING_PORT}}}


@dataclass
class CustomLocation:
    location_name: str
    location_arn: str
    creation_time: float
    tags: dict[str, str] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        # Custom locations have no ping beacon: the hosts are the caller's own machines.
        return {"LocationName": self.location_name, "LocationArn": self.location_arn}


class LocationService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._custom: dict[str, CustomLocation] = {}
        emulator.tags.register(self._resolve_arn)

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        records = sorted(self.emulator.store.load(KIND, CustomLocation), key=lambda loc: loc.creation_time)
        self._custom = {loc.location_name: loc for loc in records}

    def resume(self) -> None:
        pass

    def reset(self) -> None:
        self._custom.clear()

    def count(self) -> int:
        return len(self._custom)

    def _save(self, location: CustomLocation) -> None:
        self.emulator.store.put(KIND, location.location_name, location)

    def _resolve_arn(self, arn: str) -> tuple[CustomLocation, Any] | None:
        location = self._custom.get(arn.rsplit("/", 1)[-1]) if ":location/" in arn else None
        if location is None or location.location_arn != arn:
            return None
        return location, lambda: self._save(location)

    # -- queries for other services ----------------------------------------------
    @staticmethod
    def _name(value: str) -> str:
        """A location name from a name or a location ARN."""
        return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value

    def exists(self, name: str) -> bool:
        """True for a GameLift AWS location (or the emulator's own Region) and for a created custom location."""
        name = self._name(name)
        return name in _AWS_NAMES or name == self.emulator.config.region or name in self._custom

    def is_custom(self, name: str) -> bool:
        """True only for a custom location that has been created (and not deleted)."""
        return self._name(name) in self._custom

    def get(self, name: str) -> CustomLocation:
        location = self._custom.get(self._name(name))
        if location is None:
            # UNCONFIRMED: the real message's wording.
            raise NotFoundException(f"Location {self._name(name)} not found.")
        return location

    # -- operations --------------------------------------------------------------
    def create(self, name: str, tags: list[dict[str, Any]] | None) -> CustomLocation:
        if name in self._custom:
            # UNCONFIRMED wording; ConflictException is the model's error for an existing name.
            raise ConflictException(f"Custom location {name} already exists.")
        limit = int(getattr(self.emulator.config, "max_custom_locations", DEFAULT_MAX_CUSTOM_LOCATIONS))
        if len(self._custom) >= limit:
            raise LimitExceededException(f"You have reached the limit of {limit} custom locations.")
        location = CustomLocation(
            location_name=name,
            location_arn=self.emulator.arns.resource("location", name),
            creation_time=self.emulator.clock.now(),
            tags=tags_from_request(tags),
        )
        self._custom[name] = location
        self._save(location)
        return location

    def list(self, filters: list[str] | None) -> list[dict[str, Any]]:
        """AWS locations first (in the real table's order), then custom ones oldest first."""
        wanted = set(filters or ("AWS", "CUSTOM"))
        out: list[dict[str, Any]] = []
        if "AWS" in wanted:
            out.extend(aws_location_api(name, domain) for name, domain in AWS_LOCATIONS)
        if "CUSTOM" in wanted:
            out.extend(loc.to_api() for loc in self._custom.values())
        return out

    def delete(self, name: str) -> None:
        location = self.get(name)
        fleets = getattr(self.emulator, "fleets", None)
        uses_location = getattr(fleets, "uses_location", None)
        if uses_location is not None and uses_location(location.location_name):
            # The docs ask callers to remove the location from its fleets first.
            # UNCONFIRMED: the real error code and wording (InvalidRequestException
            # is the only fitting error the model lists for DeleteLocation).
            raise InvalidRequestException(
                f"Location {location.location_name} is in use by a fleet; remove it from the fleet before deleting it."
            )
        del self._custom[location.location_name]
        self.emulator.store.delete(KIND, location.location_name)
