"""Game sessions: placed on an idle server process, activated by it, ended with it.

Lifecycle, as the real service runs it::

    CreateGameSession -> ACTIVATING --ActivateGameSession--> ACTIVE
        ACTIVATING --GameSessionActivationTimeoutSeconds--> TERMINATED (+ fleet event)
        ACTIVE/ACTIVATING --TerminateGameSession(TRIGGER_ON_PROCESS_TERMINATE)--> TERMINATING
            --process ends (ProcessEnding / exit)--> TERMINATED, StatusReason TRIGGERED_ON_PROCESS_TERMINATE
        ACTIVE/ACTIVATING/TERMINATING --TerminateGameSession(FORCE_TERMINATE)--> TERMINATED, FORCE_TERMINATED
        any live status --process ends or the fleet goes away--> TERMINATED

A session holds one server process from the fleet's process table for its
whole life; the process hears about it through its channel (the SDK's
OnStartGameSession push, or the simulated process's instant activation).

Records persist in the store. Processes do not survive a restart; the fleet
service gives live sessions a process again (``live_sessions``), and a session
keeps its status and connection details either way.

An ended session is kept as the real service keeps it: "Amazon GameLift Servers
retains a game session resource for 30 days after the game session ends. You
can reuse idempotency token values after this time. Game session logs are
retained for 14 days." (the model's ``GameSession`` documentation). Two
retention queues (``retention.py``), fed as sessions end, delete its log zip and
then the session itself with its player sessions; both periods are settings
(``game_session_retention_seconds``, ``game_session_log_retention_seconds``).
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import (
    FleetCapacityExceededException,
    IdempotentParameterMismatchException,
    InvalidFleetStatusException,
    InvalidGameSessionStatusException,
    InvalidRequestException,
    NotFoundException,
)
from infra.emulator.fleets import logs as game_logs
from infra.emulator.fleets.processes import ProcessStatus
from infra.emulator.pagination import paginate
from infra.emulator.protocol.shaping import SharedStructure
from infra.emulator.sessions.creation_limits import CreatorLimiter, limit_for
from infra.emulator.sessions.expiry import ExpiryQueue
from infra.emulator.sessions.retention import RetentionQueue
from infra.emulator.sessions.search_expression import (
    GameSessionView,
    SearchExpressionError,
    compile_selection,
    compile_sort,
)
from infra.emulator.sessions.session_index import Contribution, SessionIndex, contribution

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator
    from infra.emulator.fleets.processes import ServerProcess

log = logging.getLogger("gamelift_local.game_sessions")

KIND = "game_session"

# The documented hard limit: "The maximum number of players per game session is 200."
MAX_PLAYERS_PER_SESSION = 200
MAX_GAME_PROPERTIES = 16
# SearchGameSessions: "The maximum number of results returned is 20".
SEARCH_PAGE_LIMIT = 20
# UNCONFIRMED: the docs give no default for GameSessionActivationTimeoutSeconds
# (valid range 1-600); fleets described without one show 300.
DEFAULT_ACTIVATION_TIMEOUT = 300.0
# MaxConcurrentGameSessionActivations' maximum, which fleets report when none was set.
UNLIMITED_ACTIVATIONS = 2147483647
# SDK 5 OnProcessTerminate: the process has about five minutes to call ProcessEnding
# (the default of EmulatorConfig.process_termination_seconds, which is what is used).
TERMINATION_GRACE_SECONDS = 300.0


class GameSessionStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    ACTIVATING = "ACTIVATING"
    TERMINATED = "TERMINATED"
    TERMINATING = "TERMINATING"
    ERROR = "ERROR"


class GameSessionStatusReason(enum.StrEnum):
    INTERRUPTED = "INTERRUPTED"
    TRIGGERED_ON_PROCESS_TERMINATE = "TRIGGERED_ON_PROCESS_TERMINATE"
    FORCE_TERMINATED = "FORCE_TERMINATED"


class PlayerSessionCreationPolicy(enum.StrEnum):
    ACCEPT_ALL = "ACCEPT_ALL"
    DENY_ALL = "DENY_ALL"


class ProtectionPolicy(enum.StrEnum):
    NO_PROTECTION = "NoProtection"
    FULL_PROTECTION = "FullProtection"


class TerminationMode(enum.StrEnum):
    TRIGGER_ON_PROCESS_TERMINATE = "TRIGGER_ON_PROCESS_TERMINATE"
    FORCE_TERMINATE = "FORCE_TERMINATE"


# Members by value: calling an enum class to look one up is slow for how often it happens.
_PROTECTION_POLICIES = {p.value: p for p in ProtectionPolicy}
_TERMINATION_MODES = {m.value: m for m in TerminationMode}

ENDED = frozenset({GameSessionStatus.TERMINATED, GameSessionStatus.ERROR})
LIVE = (GameSessionStatus.ACTIVATING, GameSessionStatus.ACTIVE, GameSessionStatus.TERMINATING)
_STATUS_VALUES = frozenset(s.value for s in GameSessionStatus)
_REASON_VALUES = frozenset(r.value for r in GameSessionStatusReason)


@dataclass
class GameSession:
    game_session_id: str  # the ARN, as the real service uses it
    fleet_id: str
    fleet_arn: str
    location: str
    creation_time: float
    maximum_player_session_count: int
    # Creation order; creation times tie on a manual clock, ids are random.
    ordinal: int = 0
    name: str | None = None
    status: GameSessionStatus = GameSessionStatus.ACTIVATING
    status_reason: GameSessionStatusReason | None = None
    termination_time: float | None = None
    # RESERVED + ACTIVE player sessions, kept by the player session service.
    current_player_session_count: int = 0
    game_properties: dict[str, str] = field(default_factory=dict)
    ip_address: str | None = None
    dns_name: str | None = None
    port: int | None = None
    compute_name: str | None = None
    process_id: str | None = None
    player_session_creation_policy: PlayerSessionCreationPolicy = PlayerSessionCreationPolicy.ACCEPT_ALL
    protection_policy: ProtectionPolicy = ProtectionPolicy.NO_PROTECTION
    creator_id: str | None = None
    game_session_data: str | None = None
    matchmaker_data: str | None = None
    idempotency_token: str | None = None
    # Digest of the creating request, to tell a retry from a conflicting reuse of its token.
    request_fingerprint: str | None = None
    compute_type: str | None = None
    activation_deadline: float | None = None
    # The StatusReason the session will end with once its process is gone.
    pending_reason: GameSessionStatusReason | None = None

    def __post_init__(self) -> None:
        # Derived views, rebuilt after each change (not fields: never stored).
        self._api: dict[str, Any] | None = None
        self._view: GameSessionView | None = None

    def invalidate(self) -> None:
        self._api = None
        self._view = None

    def count_players(self, count: int) -> None:
        """Set CurrentPlayerSessionCount, the one change every player session makes."""
        self.current_player_session_count = count
        self._patch("CurrentPlayerSessionCount", count)

    def mark_active(self) -> None:
        """ACTIVATING -> ACTIVE: the hosting process called ActivateGameSession."""
        self.status = GameSessionStatus.ACTIVE
        self.activation_deadline = None  # not shown in the API dict
        # The plain value, not the enum: a str passes through shaping unchanged, so kept wire forms stay valid.
        self._patch("Status", GameSessionStatus.ACTIVE.value)

    def _patch(self, member: str, value: Any) -> None:
        """After a change that shows in the API dict as ``member`` alone: patch the cached dict, drop the view.

        Both changes come once or more per game session in a typical backend's
        life, each followed by a DescribeGameSessions; patching the dict (with
        its wire forms, see ``SharedStructure.replaced``) spares rebuilding and
        converting the whole session for it.
        """
        api = self._api
        self._api = api.replaced(member, value) if isinstance(api, SharedStructure) else None
        self._view = None

    @property
    def has_available_player_sessions(self) -> bool:
        return (
            self.status == GameSessionStatus.ACTIVE
            and self.player_session_creation_policy == PlayerSessionCreationPolicy.ACCEPT_ALL
            and self.current_player_session_count < self.maximum_player_session_count
        )

    def to_api(self) -> dict[str, Any]:
        """The ``GameSession`` shape; shared between calls, so treat it as read-only.

        A live session's is a ``SharedStructure``, which keeps its wire forms
        (converted once, reused by every Describe and Search until the session
        changes). An ended session's is a plain dict: ended sessions are kept
        for 30 days and seldom asked for, so they hold no wire forms.
        """
        api = self._api
        if api is None:
            api = {
                "GameSessionId": self.game_session_id,
                "Name": self.name,
                "FleetId": self.fleet_id,
                "FleetArn": self.fleet_arn,
                "CreationTime": self.creation_time,
                "TerminationTime": self.termination_time,
                "CurrentPlayerSessionCount": self.current_player_session_count,
                "MaximumPlayerSessionCount": self.maximum_player_session_count,
                "Status": self.status,
                "StatusReason": self.status_reason,
                "GameProperties": [{"Key": k, "Value": v} for k, v in self.game_properties.items()],
                "IpAddress": self.ip_address,
                "DnsName": self.dns_name,
                "Port": self.port,
                "PlayerSessionCreationPolicy": self.player_session_creation_policy,
                "CreatorId": self.creator_id,
                "GameSessionData": self.game_session_data,
                "MatchmakerData": self.matchmaker_data,
                "Location": self.location,
                "ComputeName": self.compute_name,
            }
            if self.status not in ENDED:
                api = SharedStructure(api)
            self._api = api
        return api

    def to_detail(self) -> dict[str, Any]:
        return {"GameSession": self.to_api(), "ProtectionPolicy": self.protection_policy}

    def view(self) -> GameSessionView:
        """What SearchGameSessions expressions can see of this session."""
        view = self._view
        if view is None:
            properties = self.game_properties
            view = self._view = GameSessionView(
                game_session_id=self.game_session_id,
                name=self.name,
                # Keys with a period cannot be searched (documented).
                properties={k: v for k, v in properties.items() if "." not in k} if properties else {},
                maximum_sessions=self.maximum_player_session_count,
                creation_time_millis=round(self.creation_time * 1000),
                player_session_count=self.current_player_session_count,
                has_available_player_sessions=self.has_available_player_sessions,
            )
        return view


def _ended_at(session: GameSession) -> float:
    """When the session ended; its creation time for a record that lacks one (none should)."""
    ended = session.termination_time
    return session.creation_time if ended is None else ended


def _fingerprint(parts: Sequence[Any]) -> str:
    return hashlib.sha256(json.dumps(list(parts), separators=(",", ":")).encode()).hexdigest()


def game_properties(properties: list[dict[str, Any]] | None) -> dict[str, str]:
    """A ``GamePropertyList`` as a dict, refusing a key given twice.

    UNCONFIRMED: the real service's answer to a repeated key is undocumented;
    refusing it keeps a request the emulator accepts unambiguous.
    """
    result: dict[str, str] = {}
    for prop in properties or []:
        key = prop["Key"]
        if key in result:
            raise InvalidRequestException(f"GameProperties has the key {key!r} more than once")
        result[key] = prop["Value"]
    return result


def _check_player_limit(count: int) -> None:
    # UNCONFIRMED: that the 200-player limit is enforced with InvalidRequestException.
    if count > MAX_PLAYERS_PER_SESSION:
        raise InvalidRequestException(
            f"MaximumPlayerSessionCount {count} is above the limit of {MAX_PLAYERS_PER_SESSION} players "
            "per game session"
        )


class _Change:
    """The context of one change to a registered session (``GameSessionService._changing``).

    What the session contributed to the index before the change is taken on
    entry; on exit its cached views are dropped (whatever happened) and, if the
    change completed, the index and the store learn of it. A class rather than
    ``@contextmanager``: several changes happen per request.
    """

    __slots__ = ("_contribution", "_service", "_session", "_status")

    def __init__(self, service: GameSessionService, session: GameSession) -> None:
        self._service = service
        self._session = session
        self._status = session.status
        self._contribution = contribution(session)

    def __enter__(self) -> GameSession:
        return self._session

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc_type is None:
            self._service._changed(self._session, self._status, self._contribution)
        else:
            self._session.invalidate()


class GameSessionService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._sessions: dict[str, GameSession] = {}
        self._index: SessionIndex[GameSession] = SessionIndex()
        self._tokens: dict[tuple[str, str], GameSession] = {}
        self._limiter = CreatorLimiter()
        self._activations = ExpiryQueue(emulator.scheduler, self._activation_timed_out)
        # Ended sessions, in the order they ended: due for deletion, and their logs before that.
        self._retention = RetentionQueue(emulator.scheduler, self._retention_ran_out)
        self._log_retention = RetentionQueue(emulator.scheduler, self._log_retention_ran_out)
        self._log_root: Path | None = None
        self._next_ordinal = 0

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        self.reset()
        for session in sorted(self.emulator.store.load(KIND, GameSession), key=lambda s: (s.ordinal, s.creation_time)):
            self._register(session)
            self._next_ordinal = max(self._next_ordinal, session.ordinal + 1)

    def resume(self) -> None:
        now = self.emulator.clock.now()
        waiting = [s for s in self._sessions.values() if s.status == GameSessionStatus.ACTIVATING]
        for session in sorted(waiting, key=lambda s: s.activation_deadline or now):
            self._arm_activation_timer(session)
        self._resume_retention()

    def reset(self) -> None:
        self._activations.clear()
        self._retention.clear()
        self._log_retention.clear()
        self._log_root = None
        self._sessions.clear()
        self._index.clear()
        self._tokens.clear()
        self._limiter.clear()
        self._next_ordinal = 0

    def count(self) -> int:
        return len(self._sessions)

    def _register(self, session: GameSession) -> None:
        self._sessions[session.game_session_id] = session
        self._index.add(session)
        if session.idempotency_token:
            self._tokens[(session.fleet_id, session.idempotency_token)] = session
        if session.creator_id:
            self._limiter.record(session.fleet_id, session.creator_id, session.creation_time)

    def _save(self, session: GameSession) -> None:
        self.emulator.store.put(KIND, session.game_session_id, session)

    def _changing(self, session: GameSession) -> _Change:
        """Wrap every change to a registered session: keeps the index, caches and store in step."""
        return _Change(self, session)

    def _changed(self, session: GameSession, old_status: GameSessionStatus, old_contribution: Contribution) -> None:
        session.invalidate()
        self._index.changed(session, old_status, old_contribution)
        self._save(session)

    # -- lookups -----------------------------------------------------------------
    def get(self, game_session_id: str) -> GameSession:
        session = self._sessions.get(game_session_id)
        if session is None:
            raise NotFoundException(f"Game session {game_session_id} not found.")
        return session

    def find(self, game_session_id: str) -> GameSession | None:
        return self._sessions.get(game_session_id)

    def live_sessions(self, fleet_id: str) -> list[GameSession]:
        """Sessions holding (or waiting for) a process: for the fleet to rebind after a restart."""
        return self._index.in_statuses(fleet_id, LIVE)

    def resolve_fleet(self, fleet_id: str | None, alias_id: str | None) -> Any:
        """The fleet a FleetId or AliasId (exactly one) names, as the fleet service has it."""
        aliases = getattr(self.emulator, "aliases", None)
        if aliases is not None:
            fleet_id = aliases.resolve(fleet_id, alias_id)
        else:
            if bool(fleet_id) == bool(alias_id):
                raise InvalidRequestException("Specify either a FleetId or an AliasId, but not both.")
            if alias_id:
                raise NotFoundException(f"Alias {alias_id} not found.")
        fleets = getattr(self.emulator, "fleets", None)
        if fleets is None:
            raise NotFoundException(f"Fleet {fleet_id} not found.")
        return fleets.get(fleet_id)

    @staticmethod
    def _fleet_locations(fleet: Any) -> list[str]:
        home = getattr(fleet, "home_location", None)
        names = list(getattr(fleet, "locations", None) or [])
        if home and home not in names:
            names.insert(0, home)
        return names

    def _location_of(self, fleet: Any, location: str | None) -> str | None:
        """``location`` checked against the fleet's (None stays None: all locations)."""
        if location is None:
            return None
        if location not in self._fleet_locations(fleet):
            # UNCONFIRMED: the real error for a location the fleet is not deployed to.
            raise InvalidRequestException(f"Location {location} is not a location of fleet {fleet.fleet_id}.")
        return location

    # -- CreateGameSession ---------------------------------------------------------
    def create(self, params: dict[str, Any], *, matchmaker_data: str | None = None) -> GameSession:
        fleet = self.resolve_fleet(params.get("FleetId"), params.get("AliasId"))
        fleet_id: str = fleet.fleet_id
        compute_type = str(getattr(fleet, "compute_type", "") or "")
        requested_location = self._location_of(fleet, params.get("Location"))
        if requested_location is None and compute_type == "ANYWHERE":
            raise InvalidRequestException("Location is required to create a game session on an Anywhere fleet.")
        location = requested_location or getattr(fleet, "home_location", None) or self.emulator.config.region

        token = params.get("IdempotencyToken")
        custom_id = params.get("GameSessionId")
        if token and custom_id and token != custom_id:
            # UNCONFIRMED: GameSessionId is the deprecated spelling of IdempotencyToken;
            # two different values are refused.
            raise InvalidRequestException(
                "GameSessionId and IdempotencyToken name the same thing; give one, or the same value."
            )
        token = token or custom_id
        maximum = params["MaximumPlayerSessionCount"]
        properties = game_properties(params.get("GameProperties"))
        creator_id = params.get("CreatorId")
        data = params.get("GameSessionData")
        fingerprint = None
        if token:
            fingerprint = _fingerprint(
                [location, maximum, params.get("Name"), properties, creator_id, data, matchmaker_data]
            )
            existing = self._tokens.get((fleet_id, token))
            if existing is not None:
                if existing.request_fingerprint != fingerprint:
                    raise IdempotentParameterMismatchException(
                        f"A game session with the ID string {token} already exists in fleet {fleet_id} "
                        "with different parameters."
                    )
                # A retry: the original session, with its current status.
                return existing

        self._check_ready(fleet, location)
        _check_player_limit(maximum)
        now = self.emulator.clock.now()
        self._check_creator(fleet, creator_id, now)
        process = self._idle_process(fleet, location)

        key = token or self.emulator.ids.prefixed("gsess")
        game_session_id = self.emulator.arns.game_session(fleet_id, key, location)
        runtime = getattr(fleet, "runtime_configuration", None) or {}
        timeout = float(runtime.get("GameSessionActivationTimeoutSeconds") or DEFAULT_ACTIVATION_TIMEOUT)
        protection = getattr(fleet, "new_game_session_protection_policy", None) or ProtectionPolicy.NO_PROTECTION
        session = GameSession(
            game_session_id=game_session_id,
            fleet_id=fleet_id,
            fleet_arn=fleet.fleet_arn,
            location=location,
            creation_time=now,
            maximum_player_session_count=maximum,
            ordinal=self._next_ordinal,
            name=params.get("Name"),
            game_properties=properties,
            ip_address=process.ip_address,
            dns_name=process.dns_name,
            port=process.port,
            compute_name=process.compute_name,
            process_id=process.process_id,
            protection_policy=_PROTECTION_POLICIES.get(str(protection)) or ProtectionPolicy(str(protection)),
            creator_id=creator_id,
            game_session_data=data,
            matchmaker_data=matchmaker_data,
            idempotency_token=token,
            request_fingerprint=fingerprint,
            compute_type=compute_type or None,
            activation_deadline=now + timeout,
        )
        # Everything is checked: from here on nothing fails.
        self._next_ordinal += 1
        process.game_session_id = game_session_id
        self._register(session)
        self._save(session)
        self._arm_activation_timer(session)
        log.info("game_session=%s fleet=%s process=%s status=ACTIVATING", game_session_id, fleet_id, process.process_id)
        if process.channel is not None:
            process.channel.start_game_session(process, dict(session.to_api()))
        return session

    @staticmethod
    def _check_ready(fleet: Any, location: str) -> None:
        """The fleet, and the location when the fleet tracks one, must be ACTIVE."""
        if str(getattr(fleet, "status", "")) != "ACTIVE":
            raise InvalidFleetStatusException(
                f"Fleet {fleet.fleet_id} is in status {getattr(fleet, 'status', 'UNKNOWN')}; "
                "game sessions need an ACTIVE fleet."
            )
        states = getattr(fleet, "location_states", None)
        state = states.get(location) if isinstance(states, dict) else None
        if state is not None and str(getattr(state, "status", "ACTIVE")) != "ACTIVE":
            raise InvalidFleetStatusException(
                f"Fleet {fleet.fleet_id} location {location} is in status {state.status}; game sessions need it ACTIVE."
            )

    def _check_creator(self, fleet: Any, creator_id: str | None, now: float) -> None:
        limit = limit_for(getattr(fleet, "resource_creation_limit_policy", None))
        if creator_id is None:
            if limit.from_policy:
                # Documented: with a policy, "the CreateGameSession operation requires a CreatorId".
                # UNCONFIRMED: that its absence is an InvalidRequestException.
                raise InvalidRequestException(
                    f"Fleet {fleet.fleet_id} has a resource creation limit policy: CreatorId is required."
                )
            return
        self._limiter.check(fleet.fleet_id, creator_id, now, limit)

    def _idle_process(self, fleet: Any, location: str) -> ServerProcess:
        processes = getattr(getattr(self.emulator, "fleets", None), "processes", None)
        process = None
        if processes is not None:
            runtime = getattr(fleet, "runtime_configuration", None) or {}
            limit = runtime.get("MaxConcurrentGameSessionActivations")
            if not limit or limit >= UNLIMITED_ACTIVATIONS:
                process = processes.idle_process(fleet.fleet_id, location)
            else:
                # Skip computes already activating as many sessions as the runtime configuration allows.
                for candidate in processes.of_fleet(fleet.fleet_id, location):
                    if candidate.idle and self._index.activating_on(fleet.fleet_id, candidate.compute_name) < limit:
                        process = candidate
                        break
        if process is None:
            raise FleetCapacityExceededException(
                f"Unable to reserve a process on fleet {fleet.fleet_id} in location {location}: "
                "no server process is available."
            )
        return process

    # -- activation --------------------------------------------------------------
    def _arm_activation_timer(self, session: GameSession) -> None:
        deadline = session.activation_deadline
        if deadline is None:
            deadline = self.emulator.clock.now()
        # Queued by timeout length: sessions of one length time out in creation order.
        self._activations.add(session.game_session_id, deadline, round(deadline - session.creation_time, 3))

    def _cancel_activation_timer(self, game_session_id: str) -> None:
        self._activations.discard(game_session_id)

    def activate(self, game_session_id: str) -> None:
        """The hosting process called ActivateGameSession."""
        session = self.get(game_session_id)
        if session.status != GameSessionStatus.ACTIVATING:
            raise InvalidGameSessionStatusException(
                f"Game session {game_session_id} is {session.status}; only an ACTIVATING game session can be activated."
            )
        self._cancel_activation_timer(game_session_id)
        # Not ``with self._changing(session)``: ``mark_active`` keeps the cached API dict (patched).
        old_status, old_contribution = session.status, contribution(session)
        session.mark_active()
        self._index.changed(session, old_status, old_contribution)
        self._save(session)
        log.info("game_session=%s status=ACTIVE", game_session_id)

    def _activation_timed_out(self, game_session_id: str) -> None:
        session = self._sessions.get(game_session_id)
        if session is None or session.status != GameSessionStatus.ACTIVATING:
            return
        # The real service ends a session stuck in ACTIVATING (TERMINATED, no StatusReason
        # fits) and logs a fleet event; the process that failed to activate it is ended too
        # (UNCONFIRMED: how the real service recycles that process).
        process = self._process_of(session)
        self._finish(session, None)
        events = getattr(self.emulator, "events", None)
        if events is not None:
            events.record(
                session.fleet_id,
                "GAME_SESSION_ACTIVATION_TIMEOUT",
                f"Game session {game_session_id} failed to activate within the expected time; "
                "check that the server calls ActivateGameSession() from OnStartGameSession().",
            )
        log.warning("game_session=%s activation timed out", game_session_id)
        if process is not None:
            self._ask_to_end(process, self.emulator.clock.now())

    # -- ending ------------------------------------------------------------------
    def _process_of(self, session: GameSession) -> ServerProcess | None:
        processes = getattr(getattr(self.emulator, "fleets", None), "processes", None)
        if processes is None:
            return None
        process = processes.get(session.process_id) if session.process_id else None
        if process is None:
            process = processes.hosting(session.game_session_id)
        if process is None or process.game_session_id != session.game_session_id:
            return None
        return process

    @staticmethod
    def _ask_to_end(process: ServerProcess, termination_time: float) -> bool:
        """OnProcessTerminate; False when the process cannot be reached."""
        if process.channel is None:
            return False
        # Marked as told to end, so the fleet does not take its exit for a crash.
        process.status = ProcessStatus.TERMINATING
        process.channel.terminate_process(process, termination_time)
        return True

    def _finish(self, session: GameSession, reason: GameSessionStatusReason | None) -> None:
        """End a live session: its players leave, then it is TERMINATED."""
        self._cancel_activation_timer(session.game_session_id)
        player_sessions = getattr(self.emulator, "player_sessions", None)
        released = 0 if player_sessions is None else player_sessions.close_for_game_session(session.game_session_id)
        with self._changing(session):
            session.current_player_session_count -= released
            session.status = GameSessionStatus.TERMINATED
            session.status_reason = reason
            session.pending_reason = None
            session.activation_deadline = None
            session.termination_time = self.emulator.clock.now()
        self._retain(session)
        log.info("game_session=%s status=TERMINATED reason=%s", session.game_session_id, reason)

    def on_process_ended(self, game_session_id: str, reason: str | None = None) -> None:
        """The hosting process is gone (exited, crashed, killed): its session ends.

        ``reason`` becomes the StatusReason when it is one of the model's values
        (e.g. ``INTERRUPTED``); a reason set by TerminateGameSession wins.
        """
        session = self._sessions.get(game_session_id)
        if session is None or session.status in ENDED:
            return
        final = session.pending_reason
        if final is None and reason in _REASON_VALUES:
            final = GameSessionStatusReason(reason)
        self._finish(session, final)

    def process_ending(self, game_session_id: str) -> None:
        """The hosting process called ProcessEnding: the session ends normally."""
        session = self._sessions.get(game_session_id)
        if session is None or session.status in ENDED:
            return
        self._finish(session, session.pending_reason)

    def terminate_for_fleet(self, fleet_id: str) -> None:
        """The fleet is going away: every session still on it ends."""
        for session in self._index.in_statuses(fleet_id, LIVE):
            self._finish(session, None)

    def terminate(self, game_session_id: str, mode: str) -> GameSession:
        """TerminateGameSession.

        The docs allow it for "any game session that isn't in ERROR status".
        UNCONFIRMED details: a TERMINATED session is refused too (nothing is left
        to end), and a TERMINATING one accepts only FORCE_TERMINATE (escalating a
        graceful end the server never finished).
        """
        session = self.get(game_session_id)
        termination = _TERMINATION_MODES.get(mode) or TerminationMode(mode)
        if session.status in ENDED or (
            session.status == GameSessionStatus.TERMINATING and termination != TerminationMode.FORCE_TERMINATE
        ):
            raise InvalidGameSessionStatusException(
                f"Game session {game_session_id} is {session.status} and cannot be terminated with {termination}."
            )
        if termination == TerminationMode.FORCE_TERMINATE and session.compute_type == "ANYWHERE":
            raise InvalidRequestException(
                f"FORCE_TERMINATE is not available for game sessions on Anywhere fleets ({session.fleet_id}) "
                "without the GameLift Agent; use TRIGGER_ON_PROCESS_TERMINATE."
            )
        process = self._process_of(session)
        now = self.emulator.clock.now()
        if termination == TerminationMode.FORCE_TERMINATE:
            self._finish(session, GameSessionStatusReason.FORCE_TERMINATED)
            fleets = getattr(self.emulator, "fleets", None)
            if process is not None and fleets is not None:
                # Killed on purpose: marked as told to end, with the exit code SIGKILL leaves.
                process.status = ProcessStatus.TERMINATING
                fleets.process_ended(process.process_id, exit_code=-int(signal.SIGKILL))
            return session
        self._cancel_activation_timer(game_session_id)
        with self._changing(session):
            session.status = GameSessionStatus.TERMINATING
            session.pending_reason = GameSessionStatusReason.TRIGGERED_ON_PROCESS_TERMINATE
            session.activation_deadline = None
        grace = float(getattr(self.emulator.config, "process_termination_seconds", TERMINATION_GRACE_SECONDS))
        if process is None or not self._ask_to_end(process, now + grace):
            # Nobody to wait for (e.g. the process did not survive an emulator restart).
            self._finish(session, GameSessionStatusReason.TRIGGERED_ON_PROCESS_TERMINATE)
        return session

    # -- retention ----------------------------------------------------------------------
    def _retain(self, session: GameSession) -> None:
        """The session ended: queue the deletion of its logs and of itself (two appends, whatever the load)."""
        ended = _ended_at(session)
        key = session.game_session_id
        config = self.emulator.config
        self._retention.add(key, ended + config.game_session_retention_seconds)
        if session.compute_type != "ANYWHERE":  # Anywhere sessions leave no logs here
            self._log_retention.add(key, ended + config.game_session_log_retention_seconds)

    def _resume_retention(self) -> None:
        """After a restart: what fell due while the emulator was down goes now; the next deletion is armed."""
        config = self.emulator.config
        ended = sorted((s for s in self._sessions.values() if s.status in ENDED), key=_ended_at)
        keep = config.game_session_retention_seconds
        self._retention.extend((_ended_at(s) + keep, s.game_session_id) for s in ended)
        # Only real processes leave zips, under this folder: without it, there is nothing to delete.
        if self._logs_root().is_dir():
            keep_logs = config.game_session_log_retention_seconds
            self._log_retention.extend(
                (_ended_at(s) + keep_logs, s.game_session_id) for s in ended if s.compute_type != "ANYWHERE"
            )
        # Sessions first: purging one takes its logs too, so the log sweep then skips it.
        self._retention.sweep()
        self._log_retention.sweep()

    def _retention_ran_out(self, game_session_id: str) -> None:
        session = self._sessions.get(game_session_id)
        if session is None or session.status not in ENDED:
            return
        now = self.emulator.clock.now()
        if _ended_at(session) + self.emulator.config.game_session_retention_seconds > now:
            return
        self._purge(session, now)

    def _purge(self, session: GameSession, now: float) -> None:
        """Delete an ended session and its player sessions: from every index, the store and the disk.

        Afterwards its id is unknown (NotFoundException, as for an id never
        used) and its idempotency token free for a new session. The creator's
        creation count is left to the limiter's own window (``CreatorLimiter.prune``).
        """
        game_session_id = session.game_session_id
        player_sessions = getattr(self.emulator, "player_sessions", None)
        forgotten = 0 if player_sessions is None else player_sessions.forget_game_session(game_session_id)
        del self._sessions[game_session_id]
        self._index.remove(session)
        token = session.idempotency_token
        if token and self._tokens.get((session.fleet_id, token)) is session:
            del self._tokens[(session.fleet_id, token)]
        self._activations.discard(game_session_id)
        if session.creator_id:
            fleet = self._find_fleet(session.fleet_id)
            limit = limit_for(getattr(fleet, "resource_creation_limit_policy", None))
            self._limiter.prune(session.fleet_id, session.creator_id, now, limit)
        self.emulator.store.delete(KIND, game_session_id)
        self._remove_logs(game_session_id)
        log.info("game_session=%s deleted with %d player sessions: retention ran out", game_session_id, forgotten)

    def _log_retention_ran_out(self, game_session_id: str) -> None:
        session = self._sessions.get(game_session_id)
        if session is None:
            return  # deleted already, and its logs with it
        now = self.emulator.clock.now()
        if session.status not in ENDED or (
            _ended_at(session) + self.emulator.config.game_session_log_retention_seconds > now
        ):
            return  # a newer session under the same id (its idempotency token was reused)
        if self._remove_logs(game_session_id):
            log.info("game_session=%s logs deleted: retention ran out", game_session_id)

    def _logs_root(self) -> Path:
        root = self._log_root
        if root is None:
            root = self._log_root = game_logs.root_of(self.emulator.config.data_dir)
        return root

    def _remove_logs(self, game_session_id: str) -> bool:
        return game_logs.remove(self._logs_root(), game_session_id)

    def keeps_logs(self, game_session_id: str) -> bool:
        """Whether logs collected now for this session are still wanted (the log collector asks after a write).

        No for a session already deleted or past its log retention, whose zip
        would otherwise outlive every purge.
        """
        session = self._sessions.get(game_session_id)
        if session is None:
            return False
        if session.status not in ENDED:
            return True
        ended = _ended_at(session)
        return self.emulator.clock.now() < ended + self.emulator.config.game_session_log_retention_seconds

    def _find_fleet(self, fleet_id: str) -> Any:
        fleets = getattr(self.emulator, "fleets", None)
        if fleets is None:
            return None
        try:
            return fleets.get(fleet_id)
        except NotFoundException:
            return None

    # -- players (called by the player session service) ---------------------------------
    def adjust_player_count(self, session: GameSession, delta: int) -> None:
        # Not ``with self._changing(session)``: every player session comes through here, and as only the
        # count changes, ``count_players`` patches the session's cached API dict instead of dropping it.
        if delta:
            session.count_players(session.current_player_session_count + delta)
            self._index.players_changed(session, delta)
            self._save(session)

    def set_creation_policy(self, game_session_id: str, policy: str) -> GameSession:
        """The server's UpdatePlayerSessionCreationPolicy."""
        session = self.get(game_session_id)
        if policy not in PlayerSessionCreationPolicy.__members__:
            raise InvalidRequestException(f"PlayerSessionPolicy must be ACCEPT_ALL or DENY_ALL, not {policy!r}.")
        if session.status in ENDED:
            raise InvalidGameSessionStatusException(f"Game session {game_session_id} is {session.status}.")
        with self._changing(session):
            session.player_session_creation_policy = PlayerSessionCreationPolicy(policy)
        return session

    # -- UpdateGameSession -------------------------------------------------------------
    def update(self, game_session_id: str, params: dict[str, Any]) -> GameSession:
        session = self.get(game_session_id)
        # UNCONFIRMED: updates are refused once the session is ending or ended.
        if session.status not in (GameSessionStatus.ACTIVE, GameSessionStatus.ACTIVATING):
            raise InvalidGameSessionStatusException(
                f"Game session {game_session_id} is {session.status}; "
                "only ACTIVATING or ACTIVE game sessions can be updated."
            )
        maximum = params.get("MaximumPlayerSessionCount")
        if maximum is not None:
            _check_player_limit(maximum)
        merged = None
        if params.get("GameProperties") is not None:
            # Documented: adds new properties and changes existing ones; none can be deleted.
            merged = {**session.game_properties, **game_properties(params["GameProperties"])}
            if len(merged) > MAX_GAME_PROPERTIES:
                raise InvalidRequestException(
                    f"A game session can have at most {MAX_GAME_PROPERTIES} game properties; "
                    f"this update would give it {len(merged)}."
                )
        with self._changing(session):
            if maximum is not None:
                session.maximum_player_session_count = maximum
            if params.get("Name") is not None:
                session.name = params["Name"]
            policy = params.get("PlayerSessionCreationPolicy")
            if policy is not None:
                session.player_session_creation_policy = PlayerSessionCreationPolicy(policy)
            if params.get("ProtectionPolicy") is not None:
                session.protection_policy = ProtectionPolicy(params["ProtectionPolicy"])
            if merged is not None:
                session.game_properties = merged
        return session

    # -- DescribeGameSessions / DescribeGameSessionDetails --------------------------------
    def describe(
        self,
        *,
        fleet_id: str | None = None,
        alias_id: str | None = None,
        game_session_id: str | None = None,
        location: str | None = None,
        status_filter: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[GameSession], str | None]:
        status = None
        if status_filter is not None:
            if status_filter not in _STATUS_VALUES:
                raise InvalidRequestException(
                    "StatusFilter must be one of ACTIVE, ACTIVATING, TERMINATING, TERMINATED, ERROR; "
                    f"not {status_filter!r}."
                )
            status = status_filter
        if game_session_id is not None:
            if fleet_id or alias_id:
                # UNCONFIRMED: the docs describe the two ways of calling as alternatives.
                raise InvalidRequestException("Specify either a GameSessionId or a FleetId/AliasId, not both.")
            session = self.get(game_session_id)
            matches = location in (None, session.location) and status in (None, session.status)
            return ([session] if matches else []), None
        if not fleet_id and not alias_id:
            raise InvalidRequestException("Specify a FleetId, an AliasId or a GameSessionId.")
        fleet = self.resolve_fleet(fleet_id, alias_id)
        where = self._location_of(fleet, location)
        sessions = self._index.query(fleet.fleet_id, where, status)
        return paginate(sessions, limit, next_token, listing=f"game-sessions/{fleet.fleet_id}")

    # -- SearchGameSessions -----------------------------------------------------------
    def search(
        self,
        *,
        fleet_id: str | None = None,
        alias_id: str | None = None,
        location: str | None = None,
        filter_expression: str | None = None,
        sort_expression: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[GameSession], str | None]:
        """Only ACTIVE sessions are searched (documented); pages hold at most 20.

        Without a sort expression the real service returns "random order"; the
        emulator returns the order sessions became ACTIVE, which is stable.
        """
        try:
            select = compile_selection(filter_expression) if filter_expression is not None else None
            sorter = compile_sort(sort_expression) if sort_expression is not None else None
        except SearchExpressionError as exc:
            raise InvalidRequestException(str(exc)) from None
        fleet = self.resolve_fleet(fleet_id, alias_id)
        where = self._location_of(fleet, location)
        # Every ACTIVE session of the fleet, on every call: the cached view is read without a call when it is there.
        views = [s._view or s.view() for s in self._index.query(fleet.fleet_id, where, GameSessionStatus.ACTIVE)]
        if select is not None:
            views = select(views)
        if sorter is not None:
            views = sorter(views)
        size = min(limit or SEARCH_PAGE_LIMIT, SEARCH_PAGE_LIMIT)
        page, token = paginate(views, size, next_token, listing=f"search-game-sessions/{fleet.fleet_id}")
        sessions = self._sessions
        return [sessions[v.game_session_id] for v in page], token

    # -- GetGameSessionLogUrl ---------------------------------------------------------
    def log_path(self, session: GameSession) -> str:
        """Where the emulator serves a session's logs: the part of its ARN after ``gamesession/``."""
        return "/_emulator/logs/game-sessions/" + session.game_session_id.split(":gamesession/", 1)[1]

    def log_url(self, game_session_id: str) -> str:
        """GetGameSessionLogUrl.

        Logs are stored when a session ends and kept 14 days (documented: "You
        can request a new URL any time within the 14-day period that the logs
        are retained"), so an unended session, or one ended longer ago, has
        none. UNCONFIRMED: the docs do not say what the call answers then;
        NotFoundException, the model's error for something that does not
        exist, is the most plausible. The same for Anywhere fleets, whose logs
        the service never collects.
        """
        session = self.get(game_session_id)
        if session.status not in ENDED or session.termination_time is None:
            raise NotFoundException(f"No logs stored for game session {game_session_id}: it has not ended yet.")
        keep = self.emulator.config.game_session_log_retention_seconds
        if self.emulator.clock.now() >= session.termination_time + keep:
            raise NotFoundException(
                f"The logs of game session {game_session_id} are past their retention ({keep / 86400:g} days)."
            )
        if session.compute_type == "ANYWHERE":
            raise NotFoundException(
                f"Game session {game_session_id} ran on an Anywhere fleet; its logs are not collected."
            )
        config = self.emulator.config
        base = (config.advertised_url or f"http://{config.host}:{config.port}").rstrip("/")
        return base + self.log_path(session)

    # -- for other services -----------------------------------------------------------
    def utilization(self, fleet_id: str, location: str | None = None) -> dict[str, int]:
        return self._index.utilization(fleet_id, location)

    def is_protected(self, game_session_id: str) -> bool:
        """FullProtection only guards an ACTIVE session from scale-down (documented)."""
        session = self._sessions.get(game_session_id)
        return (
            session is not None
            and session.status == GameSessionStatus.ACTIVE
            and session.protection_policy == ProtectionPolicy.FULL_PROTECTION
        )
