"""Data types exchanged with the service, with their exact wire names.

Each type reads itself from a wire object (``from_wire``) and writes itself back (``to_wire``) under the names the
official SDKs use on the WebSocket (Go ``model/*.go``, C++ ``internal/model/*``). Python attributes use snake_case;
wire names stay PascalCase. Reading is tolerant (see :mod:`.wire`) so the same classes parse frames written by the
Go, C++ or C# SDK, which also lets the emulator's SDK endpoint reuse them; writing is canonical.

Times on this protocol are integers in epoch **milliseconds** (PlayerSession.CreationTime, TerminateProcess'
TerminationTime, credentials' Expiration); the fields keep that unit and name it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from . import wire
from .wire import JsonObject


class PlayerSessionCreationPolicy(StrEnum):
    """Whether the game session accepts new player sessions (NOT_SET exists in the official enums only as a default)."""

    NOT_SET = "NOT_SET"
    ACCEPT_ALL = "ACCEPT_ALL"
    DENY_ALL = "DENY_ALL"


class PlayerSessionStatus(StrEnum):
    RESERVED = "RESERVED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    TIMEDOUT = "TIMEDOUT"


class GameSessionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ACTIVATING = "ACTIVATING"
    TERMINATED = "TERMINATED"
    TERMINATING = "TERMINATING"
    ERROR = "ERROR"


class UpdateReason(StrEnum):
    """Why an UpdateGameSession push was sent; a value this SDK does not know reads as UNKNOWN (as in Go)."""

    MATCHMAKING_DATA_UPDATED = "MATCHMAKING_DATA_UPDATED"
    BACKFILL_FAILED = "BACKFILL_FAILED"
    BACKFILL_TIMED_OUT = "BACKFILL_TIMED_OUT"
    BACKFILL_CANCELLED = "BACKFILL_CANCELLED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: Any) -> UpdateReason | None:
        if value is None or value == "":
            return None
        try:
            return cls(str(value).upper())
        except ValueError:
            return cls.UNKNOWN


class AttrType(StrEnum):
    NONE = "NONE"
    STRING = "STRING"
    DOUBLE = "DOUBLE"
    STRING_LIST = "STRING_LIST"
    STRING_DOUBLE_MAP = "STRING_DOUBLE_MAP"


class BackfillMode(StrEnum):
    MANUAL = "MANUAL"
    AUTOMATIC = "AUTOMATIC"


_E = TypeVar("_E", bound=StrEnum)


def _enum_or_none(enum: type[_E], value: Any) -> _E | None:
    if value is None or value == "":
        return None
    try:
        return enum(str(value).upper())
    except ValueError:
        return None


@dataclass
class GameSession:
    """A game session as the server process sees it (Go ``model.GameSession``).

    The CreateGameSession push carries these fields flat and names the session ``GameSessionName``; the
    UpdateGameSession push nests them under ``GameSession`` and says ``Name``. Neither push carries FleetId: the SDK
    fills it from its own parameters, as the official SDKs do.
    """

    game_session_id: str = ""
    name: str = ""
    fleet_id: str = ""
    location: str = ""
    maximum_player_session_count: int = 0
    ip_address: str = ""
    port: int = 0
    dns_name: str = ""
    game_session_data: str = ""
    matchmaker_data: str = ""
    game_properties: dict[str, str] = field(default_factory=dict)
    status: GameSessionStatus | None = None
    status_reason: str = ""

    @classmethod
    def from_wire(cls, obj: JsonObject) -> GameSession:
        name = wire.text(obj, "Name") or wire.text(obj, "GameSessionName")
        return cls(
            game_session_id=wire.text(obj, "GameSessionId"),
            name=name,
            fleet_id=wire.text(obj, "FleetId"),
            location=wire.text(obj, "Location"),
            maximum_player_session_count=wire.integer(obj, "MaximumPlayerSessionCount"),
            ip_address=wire.text(obj, "IpAddress"),
            port=wire.integer(obj, "Port"),
            dns_name=wire.text(obj, "DnsName"),
            game_session_data=wire.text(obj, "GameSessionData"),
            matchmaker_data=wire.text(obj, "MatchmakerData"),
            game_properties={
                str(k): "" if v is None else str(v) for k, v in wire.mapping(obj, "GameProperties").items()
            },
            status=_enum_or_none(GameSessionStatus, wire.lookup(obj, "Status")),
            status_reason=wire.text(obj, "StatusReason"),
        )

    def to_wire(self) -> dict[str, Any]:
        return wire.drop_empty(
            {
                "GameSessionId": self.game_session_id,
                "Name": self.name,
                "FleetId": self.fleet_id,
                "Location": self.location,
                "MaximumPlayerSessionCount": self.maximum_player_session_count,
                "IpAddress": self.ip_address,
                "Port": self.port,
                "DnsName": self.dns_name,
                "GameSessionData": self.game_session_data,
                "MatchmakerData": self.matchmaker_data,
                "GameProperties": dict(self.game_properties),
                "Status": self.status.value if self.status else None,
                "StatusReason": self.status_reason or None,
            }
        )

    def parsed_matchmaker_data(self) -> MatchmakerData | None:
        """The MatchmakerData JSON string as an object, or None for a session not made by FlexMatch."""
        return MatchmakerData.parse(self.matchmaker_data) if self.matchmaker_data else None


@dataclass
class UpdateGameSession:
    """What OnUpdateGameSession receives: the updated session, why, and the backfill ticket concerned."""

    game_session: GameSession
    update_reason: UpdateReason | None = None
    backfill_ticket_id: str = ""

    @classmethod
    def from_wire(cls, obj: JsonObject) -> UpdateGameSession:
        return cls(
            game_session=GameSession.from_wire(wire.mapping(obj, "GameSession")),
            update_reason=UpdateReason.parse(wire.lookup(obj, "UpdateReason")),
            backfill_ticket_id=wire.text(obj, "BackfillTicketId"),
        )

    def to_wire(self) -> dict[str, Any]:
        return wire.drop_empty(
            {
                "GameSession": self.game_session.to_wire(),
                "UpdateReason": self.update_reason.value if self.update_reason else None,
                "BackfillTicketId": self.backfill_ticket_id or None,
            }
        )


@dataclass
class PlayerSession:
    """A player's reserved or used slot in a game session; CreationTime/TerminationTime are epoch milliseconds."""

    player_session_id: str = ""
    player_id: str = ""
    game_session_id: str = ""
    fleet_id: str = ""
    player_data: str = ""
    ip_address: str = ""
    port: int = 0
    dns_name: str = ""
    creation_time_ms: int | None = None
    termination_time_ms: int | None = None
    status: PlayerSessionStatus | None = None

    @classmethod
    def from_wire(cls, obj: JsonObject) -> PlayerSession:
        return cls(
            player_session_id=wire.text(obj, "PlayerSessionId"),
            player_id=wire.text(obj, "PlayerId"),
            game_session_id=wire.text(obj, "GameSessionId"),
            fleet_id=wire.text(obj, "FleetId"),
            player_data=wire.text(obj, "PlayerData"),
            ip_address=wire.text(obj, "IpAddress"),
            port=wire.integer(obj, "Port"),
            dns_name=wire.text(obj, "DnsName"),
            creation_time_ms=_positive_or_none(wire.optional_integer(obj, "CreationTime")),
            termination_time_ms=_positive_or_none(wire.optional_integer(obj, "TerminationTime")),
            status=_enum_or_none(PlayerSessionStatus, wire.lookup(obj, "Status")),
        )

    def to_wire(self) -> dict[str, Any]:
        return wire.drop_empty(
            {
                "PlayerSessionId": self.player_session_id,
                "PlayerId": self.player_id,
                "GameSessionId": self.game_session_id,
                "FleetId": self.fleet_id,
                "PlayerData": self.player_data,
                "IpAddress": self.ip_address,
                "Port": self.port,
                "DnsName": self.dns_name,
                "CreationTime": self.creation_time_ms,
                "TerminationTime": self.termination_time_ms,
                "Status": self.status.value if self.status else None,
            }
        )


def _positive_or_none(value: int | None) -> int | None:
    """Zero means "not set" for the protocol's times (Go's zero value, C++'s omitted non-positive numbers)."""
    return value if value else None


@dataclass
class AttributeValue:
    """One matchmaking attribute: exactly one of S (string), N (double), SL (string list), SDM (string->double map)."""

    attr_type: AttrType = AttrType.NONE
    s: str | None = None
    n: float | None = None
    sl: list[str] | None = None
    sdm: dict[str, float] | None = None

    @classmethod
    def string(cls, value: str) -> AttributeValue:
        return cls(AttrType.STRING, s=value)

    @classmethod
    def double(cls, value: float) -> AttributeValue:
        return cls(AttrType.DOUBLE, n=float(value))

    @classmethod
    def string_list(cls, values: list[str]) -> AttributeValue:
        return cls(AttrType.STRING_LIST, sl=list(values))

    @classmethod
    def string_double_map(cls, values: dict[str, float]) -> AttributeValue:
        return cls(AttrType.STRING_DOUBLE_MAP, sdm={k: float(v) for k, v in values.items()})

    @classmethod
    def of(cls, value: Any) -> AttributeValue:
        """An attribute from a plain JSON value, typed by its shape (how Go reads MatchmakerData's valueAttribute)."""
        if isinstance(value, str):
            return cls.string(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return cls.double(value)
        if isinstance(value, list):
            return cls.string_list([v for v in value if isinstance(v, str)])
        if isinstance(value, dict):
            return cls.string_double_map({k: v for k, v in value.items() if wire.as_float(v) is not None})
        return cls()

    @property
    def value(self) -> str | float | list[str] | dict[str, float] | None:
        return {
            AttrType.STRING: self.s,
            AttrType.DOUBLE: self.n,
            AttrType.STRING_LIST: self.sl,
            AttrType.STRING_DOUBLE_MAP: self.sdm,
        }.get(self.attr_type)

    @classmethod
    def from_wire(cls, obj: JsonObject) -> AttributeValue:
        s = wire.lookup(obj, "S")
        n = wire.as_float(wire.lookup(obj, "N"))
        sl = wire.lookup(obj, "SL")
        sdm = wire.lookup(obj, "SDM")
        attr_type = _enum_or_none(AttrType, wire.lookup(obj, "AttrType"))
        if attr_type is None:  # a peer that sent only the value: infer the type, first present wins
            attr_type = (
                AttrType.STRING if s is not None else
                AttrType.DOUBLE if n is not None else
                AttrType.STRING_LIST if sl is not None else
                AttrType.STRING_DOUBLE_MAP if sdm is not None else AttrType.NONE
            )
        return cls(
            attr_type=attr_type,
            s=s if isinstance(s, str) else None,
            n=n,
            sl=[str(v) for v in sl] if isinstance(sl, list) else None,
            sdm={str(k): float(v) for k, v in sdm.items() if wire.as_float(v) is not None}
            if isinstance(sdm, dict) else None,
        )

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"AttrType": self.attr_type.value}
        if self.attr_type is AttrType.STRING:
            out["S"] = self.s or ""
        elif self.attr_type is AttrType.DOUBLE:
            out["N"] = self.n if self.n is not None else 0.0
        elif self.attr_type is AttrType.STRING_LIST:
            out["SL"] = list(self.sl or [])
        elif self.attr_type is AttrType.STRING_DOUBLE_MAP:
            out["SDM"] = dict(self.sdm or {})
        return out


@dataclass
class Player:
    """A matched player, as sent in StartMatchBackfill (Go ``model.Player``).

    The wire key for latencies is ``LatencyInMs`` (Go, C++); the C# model writes ``LatencyInMS``; both are read.
    """

    player_id: str
    team: str = ""
    player_attributes: dict[str, AttributeValue] = field(default_factory=dict)
    latency_in_ms: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, obj: JsonObject) -> Player:
        latencies = {}
        for region, value in wire.mapping(obj, "LatencyInMs").items():
            number = wire.as_int(value)
            if number is not None:
                latencies[str(region)] = number
        return cls(
            player_id=wire.text(obj, "PlayerId"),
            team=wire.text(obj, "Team"),
            player_attributes={
                str(k): AttributeValue.from_wire(v)
                for k, v in wire.mapping(obj, "PlayerAttributes").items()
                if isinstance(v, dict)
            },
            latency_in_ms=latencies,
        )

    def to_wire(self) -> dict[str, Any]:
        return wire.drop_empty(
            {
                "PlayerId": self.player_id,
                "Team": self.team or None,
                "PlayerAttributes": {k: v.to_wire() for k, v in self.player_attributes.items()} or None,
                "LatencyInMs": dict(self.latency_in_ms) or None,
            }
        )


@dataclass
class MatchmakerData:
    """The JSON document in GameSession.MatchmakerData, flattened to players with their team.

    Its wire form is lowerCamelCase and nests players by team:
    ``{"matchId", "matchmakingConfigurationArn", "teams": [{"name", "players": [{"playerId",
    "attributes": {name: {"attributeType", "valueAttribute"}}}]}], "autoBackfillTicketId", "autoBackfillMode"}``.
    ``players`` here is ready to pass to :class:`StartMatchBackfillRequest`.
    """

    match_id: str = ""
    matchmaking_configuration_arn: str = ""
    players: list[Player] = field(default_factory=list)
    auto_backfill_ticket_id: str = ""
    auto_backfill_mode: BackfillMode | None = None

    @classmethod
    def parse(cls, document: str) -> MatchmakerData:
        """Parse the MatchmakerData string; an empty string is empty data, malformed JSON raises ValueError."""
        if not document:
            return cls()
        obj = json.loads(document)
        if not isinstance(obj, dict):
            raise ValueError("MatchmakerData is not a JSON object")
        return cls.from_wire(obj)

    @classmethod
    def from_wire(cls, obj: JsonObject) -> MatchmakerData:
        players = []
        for team in wire.sequence(obj, "teams"):
            if not isinstance(team, dict):
                continue
            team_name = wire.text(team, "name")
            for member in wire.sequence(team, "players"):
                if not isinstance(member, dict):
                    continue
                attributes = {
                    str(name): _matchmaker_attribute(spec)
                    for name, spec in wire.mapping(member, "attributes").items()
                    if isinstance(spec, dict)
                }
                players.append(Player(player_id=wire.text(member, "playerId"), team=team_name,
                                      player_attributes=attributes))
        return cls(
            match_id=wire.text(obj, "matchId"),
            matchmaking_configuration_arn=wire.text(obj, "matchmakingConfigurationArn"),
            players=players,
            auto_backfill_ticket_id=wire.text(obj, "autoBackfillTicketId"),
            auto_backfill_mode=_enum_or_none(BackfillMode, wire.lookup(obj, "autoBackfillMode")),
        )

    def to_wire(self) -> dict[str, Any]:
        teams: dict[str, list[dict[str, Any]]] = {}
        for player in self.players:
            teams.setdefault(player.team, []).append(
                {
                    "playerId": player.player_id,
                    "attributes": {
                        name: {"attributeType": value.attr_type.value, "valueAttribute": value.value}
                        for name, value in player.player_attributes.items()
                    },
                }
            )
        return wire.drop_empty(
            {
                "matchId": self.match_id,
                "matchmakingConfigurationArn": self.matchmaking_configuration_arn,
                "teams": [{"name": name, "players": members} for name, members in teams.items()],
                "autoBackfillTicketId": self.auto_backfill_ticket_id or None,
                "autoBackfillMode": self.auto_backfill_mode.value if self.auto_backfill_mode else None,
            }
        )

    def to_json(self) -> str:
        return json.dumps(self.to_wire(), separators=(",", ":"))


def _matchmaker_attribute(spec: JsonObject) -> AttributeValue:
    """A matchmaker-data attribute, typed by the shape of ``valueAttribute`` (as Go reads it; attributeType is
    informative only, and the shape cannot disagree with it for any value FlexMatch writes)."""
    return AttributeValue.of(wire.lookup(spec, "valueAttribute"))


@dataclass
class DescribePlayerSessionsRequest:
    """Exactly one of game_session_id, player_id, player_session_id; the rest narrow or page the result."""

    game_session_id: str | None = None
    player_id: str | None = None
    player_session_id: str | None = None
    player_session_status_filter: PlayerSessionStatus | str | None = None
    next_token: str | None = None
    limit: int | None = None

    @classmethod
    def from_wire(cls, obj: JsonObject) -> DescribePlayerSessionsRequest:
        limit = wire.optional_integer(obj, "Limit")
        return cls(
            game_session_id=wire.optional_text(obj, "GameSessionId"),
            player_id=wire.optional_text(obj, "PlayerId"),
            player_session_id=wire.optional_text(obj, "PlayerSessionId"),
            player_session_status_filter=wire.optional_text(obj, "PlayerSessionStatusFilter"),
            next_token=wire.optional_text(obj, "NextToken"),
            limit=limit if limit and limit > 0 else None,
        )

    def to_wire(self) -> dict[str, Any]:
        status = self.player_session_status_filter
        return wire.drop_empty(
            {
                "GameSessionId": self.game_session_id or None,
                "PlayerId": self.player_id or None,
                "PlayerSessionId": self.player_session_id or None,
                "PlayerSessionStatusFilter": (status.value if isinstance(status, StrEnum) else status) or None,
                "NextToken": self.next_token or None,
                "Limit": self.limit or None,
            }
        )


@dataclass
class DescribePlayerSessionsResult:
    player_sessions: list[PlayerSession] = field(default_factory=list)
    next_token: str | None = None

    @classmethod
    def from_wire(cls, obj: JsonObject) -> DescribePlayerSessionsResult:
        return cls(
            player_sessions=[PlayerSession.from_wire(p) for p in wire.sequence(obj, "PlayerSessions")
                             if isinstance(p, dict)],
            next_token=wire.optional_text(obj, "NextToken"),
        )

    def to_wire(self) -> dict[str, Any]:
        return wire.drop_empty(
            {"NextToken": self.next_token or None, "PlayerSessions": [p.to_wire() for p in self.player_sessions]}
        )


@dataclass
class StartMatchBackfillRequest:
    """Ask FlexMatch to fill open slots; ticket_id is optional (the service makes one when it is empty)."""

    game_session_arn: str
    matchmaking_configuration_arn: str
    players: list[Player]
    ticket_id: str | None = None

    @classmethod
    def from_wire(cls, obj: JsonObject) -> StartMatchBackfillRequest:
        return cls(
            game_session_arn=wire.text(obj, "GameSessionArn"),
            matchmaking_configuration_arn=wire.text(obj, "MatchmakingConfigurationArn"),
            players=[Player.from_wire(p) for p in wire.sequence(obj, "Players") if isinstance(p, dict)],
            ticket_id=wire.optional_text(obj, "TicketId"),
        )

    def to_wire(self) -> dict[str, Any]:
        # Go always writes TicketId (empty when the service should generate it) and Players; so does this SDK.
        return {
            "GameSessionArn": self.game_session_arn,
            "MatchmakingConfigurationArn": self.matchmaking_configuration_arn,
            "TicketId": self.ticket_id or "",
            "Players": [p.to_wire() for p in self.players],
        }


@dataclass
class StartMatchBackfillResult:
    ticket_id: str = ""

    @classmethod
    def from_wire(cls, obj: JsonObject) -> StartMatchBackfillResult:
        return cls(ticket_id=wire.text(obj, "TicketId"))

    def to_wire(self) -> dict[str, Any]:
        return {"TicketId": self.ticket_id}


@dataclass
class StopMatchBackfillRequest:
    game_session_arn: str
    matchmaking_configuration_arn: str
    ticket_id: str

    @classmethod
    def from_wire(cls, obj: JsonObject) -> StopMatchBackfillRequest:
        return cls(
            game_session_arn=wire.text(obj, "GameSessionArn"),
            matchmaking_configuration_arn=wire.text(obj, "MatchmakingConfigurationArn"),
            ticket_id=wire.text(obj, "TicketId"),
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "GameSessionArn": self.game_session_arn,
            "MatchmakingConfigurationArn": self.matchmaking_configuration_arn,
            "TicketId": self.ticket_id,
        }


@dataclass
class GetComputeCertificateResult:
    certificate_path: str = ""
    compute_name: str = ""

    @classmethod
    def from_wire(cls, obj: JsonObject) -> GetComputeCertificateResult:
        return cls(certificate_path=wire.text(obj, "CertificatePath"), compute_name=wire.text(obj, "ComputeName"))

    def to_wire(self) -> dict[str, Any]:
        return {"CertificatePath": self.certificate_path, "ComputeName": self.compute_name}


@dataclass
class GetFleetRoleCredentialsRequest:
    """role_session_name defaults to "<FleetId>-<HostId>" cut to 64 characters, filled in by the SDK."""

    role_arn: str
    role_session_name: str | None = None

    @classmethod
    def from_wire(cls, obj: JsonObject) -> GetFleetRoleCredentialsRequest:
        return cls(role_arn=wire.text(obj, "RoleArn"), role_session_name=wire.optional_text(obj, "RoleSessionName"))

    def to_wire(self) -> dict[str, Any]:
        return {"RoleArn": self.role_arn, "RoleSessionName": self.role_session_name or ""}


@dataclass
class GetFleetRoleCredentialsResult:
    """Temporary credentials for the fleet's IAM role; ``expiration_ms`` is epoch milliseconds."""

    assumed_role_user_arn: str = ""
    assumed_role_id: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""
    session_token: str = ""
    expiration_ms: int = 0

    @classmethod
    def from_wire(cls, obj: JsonObject) -> GetFleetRoleCredentialsResult:
        return cls(
            assumed_role_user_arn=wire.text(obj, "AssumedRoleUserArn"),
            assumed_role_id=wire.text(obj, "AssumedRoleId"),
            access_key_id=wire.text(obj, "AccessKeyId"),
            secret_access_key=wire.text(obj, "SecretAccessKey"),
            session_token=wire.text(obj, "SessionToken"),
            expiration_ms=wire.integer(obj, "Expiration"),
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "AssumedRoleUserArn": self.assumed_role_user_arn,
            "AssumedRoleId": self.assumed_role_id,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration_ms,
        }
