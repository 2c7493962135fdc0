"""Game and player session services against fake fleets, aliases and events, on a manual clock.

The harness holds only what the session services use from the emulator root,
so these tests do not depend on the fleet or alias services being finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from infra.emulator.clock import ManualClock, Scheduler
from infra.emulator.config import EmulatorConfig
from infra.emulator.errors import (
    FleetCapacityExceededException,
    GameSessionFullException,
    IdempotentParameterMismatchException,
    InvalidFleetStatusException,
    InvalidGameSessionStatusException,
    InvalidRequestException,
    LimitExceededException,
    NotFoundException,
    TerminalRoutingStrategyException,
)
from infra.emulator.fleets.processes import ProcessStatus, ProcessTable, ServerProcess, SimulatedChannel
from infra.emulator.ids import Arns, IdFactory, SequentialIds
from infra.emulator.sessions.game_sessions import GameSessionService
from infra.emulator.sessions.player_sessions import PlayerSessionService
from infra.emulator.store import Store

REGION = "us-west-2"


@dataclass
class FakeFleet:
    fleet_id: str
    status: str = "ACTIVE"
    compute_type: str = "EC2"
    home_location: str = REGION
    locations: list[str] = field(default_factory=lambda: [REGION, "eu-west-1"])
    new_game_session_protection_policy: str = "NoProtection"
    resource_creation_limit_policy: dict[str, Any] | None = None
    runtime_configuration: dict[str, Any] = field(default_factory=dict)
    fleet_type: str = "ON_DEMAND"

    @property
    def fleet_arn(self) -> str:
        return f"arn:aws:gamelift:{REGION}:123456789012:fleet/{self.fleet_id}"


class RecordingChannel:
    """A process that records what it is told and does nothing on its own."""

    def __init__(self) -> None:
        self.started: list[dict[str, Any]] = []
        self.terminations: list[float] = []

    def start_game_session(self, process: ServerProcess, game_session: dict[str, Any]) -> None:
        self.started.append(game_session)

    def update_game_session(self, process: ServerProcess, update: dict[str, Any]) -> None:
        pass

    def terminate_process(self, process: ServerProcess, termination_time: float) -> None:
        self.terminations.append(termination_time)


class FakeFleets:
    def __init__(self, emulator: Harness) -> None:
        self.emulator = emulator
        self.processes = ProcessTable()
        self.fleets: dict[str, FakeFleet] = {}
        self.ended: list[tuple[str, int]] = []
        self._n = 0

    def get(self, fleet_id: str) -> FakeFleet:
        fleet = self.fleets.get(fleet_id.rsplit("/", 1)[-1])
        if fleet is None:
            raise NotFoundException(f"Fleet {fleet_id} not found.")
        return fleet

    def add(
        self, fleet: FakeFleet, processes: int = 2, location: str = REGION, channel: Any = None, computes: int = 1
    ) -> FakeFleet:
        self.fleets[fleet.fleet_id] = fleet
        for i in range(processes):
            self._n += 1
            self.processes.add(
                ServerProcess(
                    process_id=f"proc-{self._n}",
                    fleet_id=fleet.fleet_id,
                    location=location,
                    compute_name=f"i-{fleet.fleet_id}-{i % computes}",
                    ip_address="10.0.0.1",
                    port=33430 + self._n,
                    dns_name="ec2-10-0-0-1.local",
                    status=ProcessStatus.ACTIVE,
                    channel=channel if channel is not None else SimulatedChannel(self.emulator),  # type: ignore[arg-type]
                )
            )
        return fleet

    def process_ended(self, process_id: str, exit_code: int) -> None:
        """What the fleet service does: drop the process and end its game session."""
        self.ended.append((process_id, exit_code))
        process = self.processes.remove(process_id)
        if process is not None and process.game_session_id:
            self.emulator.game_sessions.on_process_ended(process.game_session_id, None)


@dataclass
class FakeAliases:
    routes: dict[str, str | None] = field(default_factory=dict)  # alias -> fleet (None: TERMINAL)

    def resolve(self, fleet_id: str | None, alias_id: str | None) -> str:
        if bool(fleet_id) == bool(alias_id):
            raise InvalidRequestException("Specify either a FleetId or an AliasId.")
        if fleet_id:
            return fleet_id.rsplit("/", 1)[-1]
        assert alias_id is not None
        if alias_id not in self.routes:
            raise NotFoundException(f"Alias {alias_id} not found.")
        target = self.routes[alias_id]
        if target is None:
            raise TerminalRoutingStrategyException("gone fishing")
        return target


@dataclass
class FakeEvents:
    recorded: list[tuple[str, str, str]] = field(default_factory=list)

    def record(self, resource_id: str, code: str, message: str, log_url: str | None = None) -> None:
        self.recorded.append((resource_id, code, message))


class Harness:
    """The parts of ``Emulator`` the session services touch."""

    def __init__(self, database: str = ":memory:", start: float = 1_700_000_000.0) -> None:
        self.config = EmulatorConfig(database=database, clock="manual", advertised_url="http://127.0.0.1:9999")
        self.clock = ManualClock(start)
        self.store = Store(database)
        self.scheduler = Scheduler(self.clock, after_batch=self.store.commit)
        self.arns = Arns(REGION, "123456789012")
        self.ids = IdFactory(self.arns, SequentialIds())
        self.events = FakeEvents()
        self.fleets = FakeFleets(self)
        self.aliases = FakeAliases()
        self.game_sessions = GameSessionService(self)  # type: ignore[arg-type]
        self.player_sessions = PlayerSessionService(self)  # type: ignore[arg-type]
        self.game_sessions.load()
        self.player_sessions.load()

    def advance(self, seconds: float) -> None:
        self.scheduler.advance(seconds)

    def create(self, fleet_id: str = "fleet-a", **params: Any) -> Any:
        params.setdefault("MaximumPlayerSessionCount", 4)
        session = self.game_sessions.create({"FleetId": fleet_id, **params})
        self.store.commit()
        return session

    def active(self, fleet_id: str = "fleet-a", **params: Any) -> Any:
        session = self.create(fleet_id, **params)
        self.advance(0)
        assert session.status == "ACTIVE"
        return session


@pytest.fixture
def emu() -> Harness:
    harness = Harness()
    harness.fleets.add(FakeFleet("fleet-a"), processes=3)
    return harness


# -- CreateGameSession -------------------------------------------------------------


def test_create_places_on_idle_process_and_activates(emu: Harness) -> None:
    channel = RecordingChannel()
    emu.fleets.add(FakeFleet("fleet-r"), processes=1, channel=channel)
    session = emu.create("fleet-r", Name="arena", GameProperties=[{"Key": "mode", "Value": "ffa"}])
    assert session.status == "ACTIVATING"
    assert session.game_session_id.startswith("arn:aws:gamelift:us-west-2::gamesession/fleet-r/gsess-")
    process = emu.fleets.processes.get(session.process_id)
    assert process is not None and process.game_session_id == session.game_session_id
    api = session.to_api()
    assert (api["IpAddress"], api["Port"], api["DnsName"], api["ComputeName"]) == (
        "10.0.0.1",
        process.port,
        "ec2-10-0-0-1.local",
        process.compute_name,
    )
    assert channel.started == [api]
    assert api["GameProperties"] == [{"Key": "mode", "Value": "ffa"}]
    assert api["PlayerSessionCreationPolicy"] == "ACCEPT_ALL"
    emu.game_sessions.activate(session.game_session_id)
    assert session.to_api()["Status"] == "ACTIVE"
    with pytest.raises(InvalidGameSessionStatusException):
        emu.game_sessions.activate(session.game_session_id)


def test_simulated_process_activates_on_next_tick(emu: Harness) -> None:
    session = emu.create()
    assert session.status == "ACTIVATING"
    emu.advance(0)
    assert session.status == "ACTIVE"


def test_remote_location_session_arn_carries_the_location(emu: Harness) -> None:
    emu.fleets.add(FakeFleet("fleet-l"), processes=1, location="eu-west-1")
    session = emu.create("fleet-l", Location="eu-west-1")
    assert "/fleet-l/eu-west-1/gsess-" in session.game_session_id
    assert session.location == "eu-west-1"
    with pytest.raises(FleetCapacityExceededException):
        emu.create("fleet-l")  # home Region has no processes


def test_create_refusals_change_nothing(emu: Harness) -> None:
    emu.fleets.add(FakeFleet("fleet-new", status="ACTIVATING"), processes=1)
    emu.fleets.add(FakeFleet("fleet-any", compute_type="ANYWHERE", locations=[REGION, "custom-home"]), processes=1)
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"FleetId": "fleet-new"}, InvalidFleetStatusException),
        ({"FleetId": "fleet-nope"}, NotFoundException),
        ({"FleetId": "fleet-a", "Location": "ap-south-1"}, InvalidRequestException),
        ({"FleetId": "fleet-any"}, InvalidRequestException),
        ({"FleetId": "fleet-a", "MaximumPlayerSessionCount": 201}, InvalidRequestException),
        ({"FleetId": "fleet-a", "AliasId": "alias-1"}, InvalidRequestException),
        ({"AliasId": "alias-missing"}, NotFoundException),
        ({"FleetId": "fleet-a", "GameSessionId": "a", "IdempotencyToken": "b"}, InvalidRequestException),
        (
            {"FleetId": "fleet-a", "GameProperties": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]},
            InvalidRequestException,
        ),
    ]
    for params, error in cases:
        with pytest.raises(error):
            emu.game_sessions.create({"MaximumPlayerSessionCount": 2, **params})
    assert emu.game_sessions.count() == 0
    assert all(p.game_session_id is None for p in emu.fleets.processes.of_fleet("fleet-a"))


def test_alias_routing(emu: Harness) -> None:
    emu.aliases.routes = {"alias-live": "fleet-a", "alias-dead": None}
    session = emu.game_sessions.create({"AliasId": "alias-live", "MaximumPlayerSessionCount": 2})
    assert session.fleet_id == "fleet-a"
    with pytest.raises(TerminalRoutingStrategyException, match="gone fishing"):
        emu.game_sessions.create({"AliasId": "alias-dead", "MaximumPlayerSessionCount": 2})


def test_no_idle_process_is_capacity_exceeded(emu: Harness) -> None:
    for _ in range(3):
        emu.create()
    with pytest.raises(FleetCapacityExceededException):
        emu.create()


def test_max_concurrent_activations_per_compute(emu: Harness) -> None:
    channel = RecordingChannel()
    fleet = FakeFleet("fleet-m", runtime_configuration={"MaxConcurrentGameSessionActivations": 1})
    emu.fleets.add(fleet, processes=4, channel=channel, computes=2)
    first, second = emu.create("fleet-m"), emu.create("fleet-m")
    assert first.compute_name != second.compute_name
    with pytest.raises(FleetCapacityExceededException):
        emu.create("fleet-m")
    emu.game_sessions.activate(first.game_session_id)
    assert emu.create("fleet-m").compute_name == first.compute_name


def test_idempotency_token_returns_the_original(emu: Harness) -> None:
    first = emu.create(IdempotencyToken="match-42", Name="x")
    assert first.game_session_id.endswith("/fleet-a/match-42")
    emu.advance(0)
    again = emu.create(IdempotencyToken="match-42", Name="x")
    assert again is first and again.status == "ACTIVE"
    # The deprecated GameSessionId is the same token.
    assert emu.create(GameSessionId="match-42", Name="x") is first
    with pytest.raises(IdempotentParameterMismatchException):
        emu.create(IdempotencyToken="match-42", Name="y")
    assert emu.game_sessions.count() == 1
    # A retry after an update still matches the original request.
    emu.game_sessions.update(first.game_session_id, {"Name": "renamed"})
    assert emu.create(IdempotencyToken="match-42", Name="x") is first


def test_creator_limits(emu: Harness) -> None:
    emu.create(CreatorId="alice")
    with pytest.raises(LimitExceededException):
        emu.create(CreatorId="alice")
    emu.create(CreatorId="bob")
    emu.advance(1)
    emu.create(CreatorId="alice")

    policy = {"NewGameSessionsPerCreator": 2, "PolicyPeriodInMinutes": 1}
    emu.fleets.add(FakeFleet("fleet-p", resource_creation_limit_policy=policy), processes=4)
    with pytest.raises(InvalidRequestException, match="CreatorId is required"):
        emu.create("fleet-p")
    emu.create("fleet-p", CreatorId="carol")
    emu.create("fleet-p", CreatorId="carol")
    with pytest.raises(LimitExceededException):
        emu.create("fleet-p", CreatorId="carol")
    emu.advance(60)
    emu.create("fleet-p", CreatorId="carol")


def test_activation_timeout_ends_session_and_records_event(emu: Harness) -> None:
    channel = RecordingChannel()
    emu.fleets.add(
        FakeFleet("fleet-t", runtime_configuration={"GameSessionActivationTimeoutSeconds": 30}),
        processes=1,
        channel=channel,
    )
    session = emu.create("fleet-t")
    emu.advance(29)
    assert session.status == "ACTIVATING"
    emu.advance(1)
    assert session.status == "TERMINATED" and session.status_reason is None
    assert session.termination_time == emu.clock.now()
    assert [(r, c) for r, c, _ in emu.events.recorded] == [("fleet-t", "GAME_SESSION_ACTIVATION_TIMEOUT")]
    assert channel.terminations == [emu.clock.now()]


def test_default_activation_timeout_is_300_seconds(emu: Harness) -> None:
    emu.fleets.add(FakeFleet("fleet-d"), processes=1, channel=RecordingChannel())
    session = emu.create("fleet-d")
    emu.advance(299)
    assert session.status == "ACTIVATING"
    emu.advance(1)
    assert session.status == "TERMINATED"


# -- TerminateGameSession ------------------------------------------------------------


def test_trigger_on_process_terminate(emu: Harness) -> None:
    session = emu.active()
    emu.player_sessions.create(session.game_session_id, [("p1", None)])
    result = emu.game_sessions.terminate(session.game_session_id, "TRIGGER_ON_PROCESS_TERMINATE")
    assert result.status == "TERMINATING"
    with pytest.raises(InvalidGameSessionStatusException):
        emu.game_sessions.terminate(session.game_session_id, "TRIGGER_ON_PROCESS_TERMINATE")
    emu.advance(0)  # the simulated process ends, the fleet reports it
    assert session.status == "TERMINATED"
    assert session.status_reason == "TRIGGERED_ON_PROCESS_TERMINATE"
    assert session.current_player_session_count == 0
    with pytest.raises(InvalidGameSessionStatusException):
        emu.game_sessions.terminate(session.game_session_id, "FORCE_TERMINATE")


def test_force_terminate(emu: Harness) -> None:
    session = emu.active()
    process_id = session.process_id
    result = emu.game_sessions.terminate(session.game_session_id, "FORCE_TERMINATE")
    assert result.status == "TERMINATED" and result.status_reason == "FORCE_TERMINATED"
    assert emu.fleets.ended == [(process_id, -9)]


def test_force_after_a_stuck_graceful_termination(emu: Harness) -> None:
    channel = RecordingChannel()
    emu.fleets.add(FakeFleet("fleet-s"), processes=1, channel=channel)
    session = emu.create("fleet-s")
    emu.game_sessions.activate(session.game_session_id)
    emu.game_sessions.terminate(session.game_session_id, "TRIGGER_ON_PROCESS_TERMINATE")
    assert channel.terminations == [emu.clock.now() + 300]
    emu.game_sessions.terminate(session.game_session_id, "FORCE_TERMINATE")
    assert session.status_reason == "FORCE_TERMINATED"


def test_force_terminate_refused_on_anywhere(emu: Harness) -> None:
    emu.fleets.add(
        FakeFleet("fleet-any", compute_type="ANYWHERE", locations=["custom-home"]), processes=1, location="custom-home"
    )
    session = emu.create("fleet-any", Location="custom-home")
    with pytest.raises(InvalidRequestException):
        emu.game_sessions.terminate(session.game_session_id, "FORCE_TERMINATE")
    assert session.status == "ACTIVATING"


def test_process_ending_and_crash(emu: Harness) -> None:
    ended_normally = emu.active()
    emu.game_sessions.process_ending(ended_normally.game_session_id)
    assert (ended_normally.status, ended_normally.status_reason) == ("TERMINATED", None)
    interrupted = emu.active()
    emu.game_sessions.on_process_ended(interrupted.game_session_id, "INTERRUPTED")
    assert interrupted.status_reason == "INTERRUPTED"
    # Repeated or unknown reports change nothing.
    emu.game_sessions.on_process_ended(interrupted.game_session_id, "FORCE_TERMINATED")
    emu.game_sessions.on_process_ended("arn:nope", None)
    assert interrupted.status_reason == "INTERRUPTED"


def test_terminate_for_fleet(emu: Harness) -> None:
    a, b = emu.active(), emu.create()
    emu.game_sessions.terminate_for_fleet("fleet-a")
    assert (a.status, b.status) == ("TERMINATED", "TERMINATED")
    assert emu.game_sessions.utilization("fleet-a")["active_game_sessions"] == 0


# -- Describe / Search / Update ------------------------------------------------------


def test_describe_filters_and_pages(emu: Harness) -> None:
    emu.fleets.add(FakeFleet("fleet-b"), processes=6)
    sessions = [emu.create("fleet-b") for _ in range(5)]
    emu.advance(0)
    emu.game_sessions.terminate(sessions[0].game_session_id, "FORCE_TERMINATE")
    describe = emu.game_sessions.describe
    page, token = describe(fleet_id="fleet-b", limit=2)
    assert [s.game_session_id for s in page] == [s.game_session_id for s in sessions[:2]]
    rest, end = describe(fleet_id="fleet-b", limit=10, next_token=token)
    assert len(rest) == 3 and end is None
    active, _ = describe(fleet_id="fleet-b", status_filter="ACTIVE")
    assert len(active) == 4
    terminated, _ = describe(fleet_id="fleet-b", status_filter="TERMINATED", location=REGION)
    assert [s.game_session_id for s in terminated] == [sessions[0].game_session_id]
    assert describe(fleet_id="fleet-b", location="eu-west-1")[0] == []
    one, _ = describe(game_session_id=sessions[1].game_session_id)
    assert one == [sessions[1]]
    with pytest.raises(InvalidRequestException):
        describe(fleet_id="fleet-b", status_filter="active")
    with pytest.raises(InvalidRequestException):
        describe()
    with pytest.raises(InvalidRequestException):
        describe(fleet_id="fleet-b", game_session_id=sessions[1].game_session_id)
    with pytest.raises(NotFoundException):
        describe(game_session_id="arn:aws:gamelift:us-west-2::gamesession/fleet-b/gsess-missing")
    with pytest.raises(InvalidRequestException):
        describe(fleet_id="fleet-a", next_token=token)  # a token of another listing


def test_search(emu: Harness) -> None:
    emu.fleets.add(FakeFleet("fleet-s"), processes=30)
    modes = ["ffa", "ctf", "ffa", "ctf", "ffa"]
    made = []
    for i, mode in enumerate(modes):
        made.append(
            emu.create(
                "fleet-s",
                Name=f"g{i}",
                MaximumPlayerSessionCount=i + 1,
                GameProperties=[{"Key": "mode", "Value": mode}],
            )
        )
        emu.advance(1)
    emu.create("fleet-s", Name="still-activating", GameProperties=[{"Key": "mode", "Value": "ffa"}])
    search = emu.game_sessions.search
    found, _ = search(
        fleet_id="fleet-s",
        filter_expression="gameSessionProperties.mode = 'ffa'",
        sort_expression="maximumSessions DESC",
    )
    assert [s.name for s in found] == ["g4", "g2", "g0"]
    emu.player_sessions.create(made[0].game_session_id, [("p", None)])  # g0 is now full
    found, _ = search(fleet_id="fleet-s", filter_expression="hasAvailablePlayerSessions = true AND maximumSessions < 3")
    assert [s.name for s in found] == ["g1"]
    with pytest.raises(InvalidRequestException, match="FilterExpression"):
        search(fleet_id="fleet-s", filter_expression="mode = 'ffa'")
    with pytest.raises(InvalidRequestException):
        search(fleet_id="fleet-s", sort_expression="maximumSessions")


def test_search_pages_hold_at_most_20(emu: Harness) -> None:
    emu.fleets.add(FakeFleet("fleet-big"), processes=25)
    for _ in range(25):
        emu.create("fleet-big")
    emu.advance(0)
    page, token = emu.game_sessions.search(fleet_id="fleet-big", limit=100)
    assert len(page) == 20 and token
    rest, end = emu.game_sessions.search(fleet_id="fleet-big", limit=100, next_token=token)
    assert len(rest) == 5 and end is None


def test_update(emu: Harness) -> None:
    session = emu.active(GameProperties=[{"Key": "a", "Value": "1"}])
    emu.game_sessions.update(
        session.game_session_id,
        {
            "Name": "n",
            "MaximumPlayerSessionCount": 10,
            "PlayerSessionCreationPolicy": "DENY_ALL",
            "ProtectionPolicy": "FullProtection",
            "GameProperties": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}],
        },
    )
    api = session.to_api()
    assert (api["Name"], api["MaximumPlayerSessionCount"], api["PlayerSessionCreationPolicy"]) == ("n", 10, "DENY_ALL")
    assert api["GameProperties"] == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    assert session.to_detail()["ProtectionPolicy"] == "FullProtection"
    assert emu.game_sessions.is_protected(session.game_session_id)
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(15)]
    with pytest.raises(InvalidRequestException):
        emu.game_sessions.update(session.game_session_id, {"GameProperties": many})
    assert len(session.game_properties) == 2
    emu.game_sessions.terminate(session.game_session_id, "FORCE_TERMINATE")
    assert not emu.game_sessions.is_protected(session.game_session_id)
    with pytest.raises(InvalidGameSessionStatusException):
        emu.game_sessions.update(session.game_session_id, {"Name": "late"})


def test_utilization(emu: Harness) -> None:
    a = emu.active(MaximumPlayerSessionCount=5)
    emu.create(MaximumPlayerSessionCount=3)
    emu.player_sessions.create(a.game_session_id, [("p1", None), ("p2", None)])
    assert emu.game_sessions.utilization("fleet-a") == {
        "active_game_sessions": 2,
        "current_player_sessions": 2,
        "maximum_player_sessions": 8,
    }
    assert emu.game_sessions.utilization("fleet-a", "eu-west-1")["active_game_sessions"] == 0


def test_log_url(emu: Harness) -> None:
    session = emu.active()
    with pytest.raises(NotFoundException):
        emu.game_sessions.log_url(session.game_session_id)
    emu.game_sessions.process_ending(session.game_session_id)
    url = emu.game_sessions.log_url(session.game_session_id)
    assert (
        url == "http://127.0.0.1:9999/_emulator/logs/game-sessions/" + session.game_session_id.split("gamesession/")[1]
    )
    emu.advance(14 * 24 * 3600 + 1)
    with pytest.raises(NotFoundException):
        emu.game_sessions.log_url(session.game_session_id)


# -- player sessions ----------------------------------------------------------------


def test_player_session_lifecycle(emu: Harness) -> None:
    game = emu.active(MaximumPlayerSessionCount=3)
    gid = game.game_session_id
    alice, bob = emu.player_sessions.create(gid, [("alice", "tier=gold"), ("bob", None)])
    api = alice.to_api()
    assert api["PlayerSessionId"].startswith("psess-")
    assert (api["Status"], api["PlayerData"], api["IpAddress"], api["Port"]) == (
        "RESERVED",
        "tier=gold",
        game.ip_address,
        game.port,
    )
    assert game.current_player_session_count == 2
    emu.player_sessions.accept(gid, alice.player_session_id)
    assert alice.status == "ACTIVE"
    with pytest.raises(InvalidRequestException):
        emu.player_sessions.accept(gid, alice.player_session_id)
    emu.player_sessions.remove(gid, alice.player_session_id)
    assert alice.status == "COMPLETED" and alice.termination_time == emu.clock.now()
    assert game.current_player_session_count == 1
    with pytest.raises(InvalidRequestException):
        emu.player_sessions.remove(gid, alice.player_session_id)
    with pytest.raises(NotFoundException):
        emu.player_sessions.accept(gid, "psess-unknown")
    other = emu.active()
    with pytest.raises(InvalidRequestException):
        emu.player_sessions.accept(other.game_session_id, bob.player_session_id)


def test_reservation_times_out(emu: Harness) -> None:
    game = emu.active()
    (ps,) = emu.player_sessions.create(game.game_session_id, [("p", None)])
    emu.advance(59)
    assert ps.status == "RESERVED"
    emu.advance(1)
    assert ps.status == "TIMEDOUT"
    assert game.current_player_session_count == 0
    with pytest.raises(InvalidRequestException):
        emu.player_sessions.accept(game.game_session_id, ps.player_session_id)


def test_reservation_seconds_come_from_config(emu: Harness) -> None:
    emu.config.player_session_reservation_seconds = 5
    game = emu.active()
    (ps,) = emu.player_sessions.create(game.game_session_id, [("p", None)])
    emu.advance(5)
    assert ps.status == "TIMEDOUT"


def test_capacity_is_all_or_nothing(emu: Harness) -> None:
    game = emu.active(MaximumPlayerSessionCount=3)
    gid = game.game_session_id
    emu.player_sessions.create(gid, [("a", None), ("b", None)])
    with pytest.raises(GameSessionFullException):
        emu.player_sessions.create(gid, [("c", None), ("d", None)])
    assert game.current_player_session_count == 2
    assert emu.player_sessions.count() == 2
    emu.player_sessions.create(gid, [("c", None)])
    with pytest.raises(GameSessionFullException):
        emu.player_sessions.create(gid, [("d", None)])
    with pytest.raises(InvalidRequestException):
        emu.player_sessions.create(emu.active().game_session_id, [("x", None), ("x", None)])


def test_player_sessions_need_an_active_accepting_session(emu: Harness) -> None:
    activating = emu.create()
    with pytest.raises(InvalidGameSessionStatusException):
        emu.player_sessions.create(activating.game_session_id, [("p", None)])
    emu.advance(0)
    emu.player_sessions.update_creation_policy(activating.game_session_id, "DENY_ALL")
    with pytest.raises(GameSessionFullException):
        emu.player_sessions.create(activating.game_session_id, [("p", None)])
    assert not activating.view().has_available_player_sessions
    emu.player_sessions.update_creation_policy(activating.game_session_id, "ACCEPT_ALL")
    emu.player_sessions.create(activating.game_session_id, [("p", None)])
    with pytest.raises(InvalidRequestException):
        emu.player_sessions.update_creation_policy(activating.game_session_id, "MAYBE")
    with pytest.raises(NotFoundException):
        emu.player_sessions.create("arn:aws:gamelift:us-west-2::gamesession/fleet-a/nope", [("p", None)])


def test_game_session_end_releases_seats(emu: Harness) -> None:
    game = emu.active()
    connected, waiting = emu.player_sessions.create(game.game_session_id, [("c", None), ("w", None)])
    emu.player_sessions.accept(game.game_session_id, connected.player_session_id)
    emu.game_sessions.terminate(game.game_session_id, "FORCE_TERMINATE")
    assert (connected.status, waiting.status) == ("COMPLETED", "TIMEDOUT")
    assert game.to_api()["CurrentPlayerSessionCount"] == 0
    emu.advance(60)  # the cancelled reservation timer does not fire again
    assert waiting.status == "TIMEDOUT" and game.current_player_session_count == 0


def test_describe_player_sessions(emu: Harness) -> None:
    game = emu.active(MaximumPlayerSessionCount=10)
    gid = game.game_session_id
    made = emu.player_sessions.create(gid, [(f"p{i}", None) for i in range(5)])
    emu.player_sessions.accept(gid, made[1].player_session_id)
    describe = emu.player_sessions.describe
    page, token = describe(game_session_id=gid, limit=3)
    assert page == made[:3] and token
    assert describe(game_session_id=gid, next_token=token)[0] == made[3:]
    assert describe(game_session_id=gid, status_filter="ACTIVE")[0] == [made[1]]
    # The filter is ignored with a player session id or a player id (documented).
    assert describe(player_session_id=made[0].player_session_id, status_filter="ACTIVE")[0] == [made[0]]
    assert describe(player_id="p2", status_filter="ACTIVE")[0] == [made[2]]
    assert describe(player_id="nobody")[0] == []
    for bad in ({}, {"game_session_id": gid, "player_id": "p1"}, {"game_session_id": gid, "status_filter": "GONE"}):
        with pytest.raises(InvalidRequestException):
            describe(**bad)
    with pytest.raises(NotFoundException):
        describe(player_session_id="psess-missing")
    with pytest.raises(NotFoundException):
        describe(game_session_id="arn:aws:gamelift:us-west-2::gamesession/fleet-a/none")


# -- persistence ----------------------------------------------------------------------


def test_restart_keeps_sessions_and_rearms_reservations(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    first = Harness(db)
    first.fleets.add(FakeFleet("fleet-a"), processes=2)
    game = first.active(MaximumPlayerSessionCount=4, IdempotencyToken="tok", CreatorId="alice")
    a, b = first.player_sessions.create(game.game_session_id, [("a", None), ("b", None)])
    first.player_sessions.accept(game.game_session_id, a.player_session_id)
    activating = first.create()
    first.store.commit()
    before_games = [s.to_api() for s in first.game_sessions.describe(fleet_id="fleet-a")[0]]
    before_players = [p.to_api() for p in first.player_sessions.describe(game_session_id=game.game_session_id)[0]]
    first.store.close()

    second = Harness(db, start=first.clock.now() + 30)
    second.fleets.add(FakeFleet("fleet-a"), processes=2, channel=RecordingChannel())
    assert [s.to_api() for s in second.game_sessions.describe(fleet_id="fleet-a")[0]] == before_games
    assert [
        p.to_api() for p in second.player_sessions.describe(game_session_id=game.game_session_id)[0]
    ] == before_players
    assert second.game_sessions.utilization("fleet-a")["current_player_sessions"] == 2
    second.game_sessions.resume()
    second.player_sessions.resume()
    restored = second.game_sessions.get(game.game_session_id)
    # Idempotency and creator limits survive too.
    assert second.create(IdempotencyToken="tok", CreatorId="alice") is restored
    second.advance(30)
    assert second.player_sessions.describe(player_session_id=b.player_session_id)[0][0].status == "TIMEDOUT"
    assert restored.current_player_session_count == 1
    # The ACTIVATING session's timer was re-armed at its original deadline.
    second.advance(300)
    assert second.game_sessions.get(activating.game_session_id).status == "TERMINATED"
    # A new session continues the creation order.
    newest = second.create()
    assert second.game_sessions.describe(fleet_id="fleet-a")[0][-1] is newest
