"""The control plane's hot-path shortcuts answer exactly what the plain computation answers.

Each shortcut (cached and patched API dicts with their wire forms, process
counts kept by the process table, the port allocator's floor, the process
constructor, batched UUIDs, validation plans) is checked against the slow,
obvious computation it replaces, on a real in-process emulator where state is
involved.
"""

from __future__ import annotations

import copy
import random
import re
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import botocore.session
import pytest

from infra.emulator.api.registry import RequestContext
from infra.emulator.config import EmulatorConfig
from infra.emulator.emulator import Emulator
from infra.emulator.errors import GameLiftError
from infra.emulator.fleets.ports import PortAllocator
from infra.emulator.fleets.processes import ENDING, ProcessStatus, ServerProcess
from infra.emulator.ids import RandomIds
from infra.emulator.protocol.invoke import Invoker
from infra.emulator.protocol.shaping import ShapeWriter, SharedStructure
from infra.emulator.protocol.validation import InputValidationError, compile_validator
from infra.emulator.sessions.game_sessions import GameSession

STAGE = 0.2
MODEL = botocore.session.get_session().get_service_model("gamelift")


class Api:
    """Operations through the Invoker (validation, handler, strict shaping), on either wire protocol."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.invoker = Invoker(emu, strict=True)

    def __call__(self, operation: str, body: dict[str, Any], protocol: str = "json") -> Any:
        ctx = RequestContext(operation, self.emu.ids.request_id(), "us-west-2", "123456789012", None, protocol)
        output = self.invoker.call(ctx, body)
        self.emu.store.commit()
        return output


@pytest.fixture
def api(tmp_path: Path) -> Api:
    config = EmulatorConfig(
        database=":memory:", data_dir=str(tmp_path / "data"), clock="manual", fleet_stage_seconds=STAGE
    )
    emu = Emulator(config)
    for service in emu.services.values():
        service.resume()
    return Api(emu)


def active_fleet(api: Api, tmp_path: Path, processes: int = 4) -> str:
    files = tmp_path / "build"
    files.mkdir(exist_ok=True)
    (files / "README").write_text("x")
    storage = {"Bucket": "b", "Key": str(files), "RoleArn": "arn:aws:iam::123456789012:role/r"}
    build_id = api("CreateBuild", {"Name": "b", "StorageLocation": storage})["Build"]["BuildId"]
    fleet_id = api(
        "CreateFleet",
        {
            "Name": "f",
            "BuildId": build_id,
            "EC2InstanceType": "c5.large",
            "RuntimeConfiguration": {
                "ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": processes}]
            },
        },
    )["FleetAttributes"]["FleetId"]
    api.emu.advance(10 * STAGE)
    return str(fleet_id)


def fresh_api(session: GameSession) -> dict[str, Any]:
    """The API dict built from scratch from the session's fields."""
    clone = copy.copy(session)
    clone.invalidate()
    return dict(clone.to_api())


def check_session_caches(api: Api) -> None:
    """Every session's cached API dict, wire forms and search view match what a rebuild gives."""
    writers = {protocol: ShapeWriter(protocol, strict=True) for protocol in ("json", "cbor")}
    shape = MODEL.shape_for("GameSession")
    for session in list(api.emu.game_sessions._sessions.values()):
        cached = session.to_api()
        assert dict(cached) == fresh_api(session), session.game_session_id
        assert list(cached) == list(fresh_api(session))
        for protocol, writer in writers.items():
            via_cache = writer.converter(shape)(cached)
            assert via_cache == writer.converter(shape)(fresh_api(session)), protocol
        clone = copy.copy(session)
        clone.invalidate()
        assert session.view() == clone.view()


def test_cached_game_session_dicts_follow_every_change(api: Api, tmp_path: Path) -> None:
    fleet_id = active_fleet(api, tmp_path)
    ids = []
    for k in range(3):
        out = api("CreateGameSession", {"FleetId": fleet_id, "MaximumPlayerSessionCount": 3, "Name": f"g{k}"})
        ids.append(out["GameSession"]["GameSessionId"])
        check_session_caches(api)
    # Both protocols convert (and keep wire forms) before any change.
    for protocol in ("json", "cbor"):
        api("DescribeGameSessions", {"FleetId": fleet_id}, protocol)
    api.emu.advance(0.001)  # the simulated processes activate their sessions
    check_session_caches(api)
    for protocol in ("json", "cbor"):
        assert {s["Status"] for s in api("DescribeGameSessions", {"FleetId": fleet_id}, protocol)["GameSessions"]} == {
            "ACTIVE"
        }
    first, second, third = ids
    for n in range(3):
        api("CreatePlayerSession", {"GameSessionId": first, "PlayerId": f"p{n}"}, "json" if n % 2 else "cbor")
        described = api("DescribeGameSessions", {"GameSessionId": first})["GameSessions"][0]
        assert described["CurrentPlayerSessionCount"] == n + 1
        check_session_caches(api)
    with pytest.raises(GameLiftError):
        api("CreatePlayerSession", {"GameSessionId": first, "PlayerId": "one-too-many"})
    check_session_caches(api)
    found = api("SearchGameSessions", {"FleetId": fleet_id, "FilterExpression": "hasAvailablePlayerSessions=true"})
    assert first not in [s["GameSessionId"] for s in found["GameSessions"]]
    api(
        "UpdateGameSession",
        {"GameSessionId": second, "Name": "renamed", "GameProperties": [{"Key": "mode", "Value": "x"}]},
    )
    check_session_caches(api)
    api("UpdateGameSession", {"GameSessionId": second, "PlayerSessionCreationPolicy": "DENY_ALL"})
    check_session_caches(api)
    api("TerminateGameSession", {"GameSessionId": second, "TerminationMode": "TRIGGER_ON_PROCESS_TERMINATE"})
    check_session_caches(api)
    api("TerminateGameSession", {"GameSessionId": first, "TerminationMode": "FORCE_TERMINATE"})
    check_session_caches(api)
    api.emu.advance(1.0)  # the simulated process of the second ends, and its session with it
    check_session_caches(api)
    described = {s["GameSessionId"]: s for s in api("DescribeGameSessions", {"FleetId": fleet_id})["GameSessions"]}
    assert described[first]["Status"] == "TERMINATED" and described[first]["CurrentPlayerSessionCount"] == 0
    assert described[first]["StatusReason"] == "FORCE_TERMINATED"
    assert described[second]["Status"] == "TERMINATED"
    assert described[third]["Status"] == "ACTIVE"


def test_patched_dict_keeps_only_wire_forms_that_stay_valid() -> None:
    writer = ShapeWriter("json", strict=True)
    convert = writer.converter(MODEL.shape_for("GameSession"))
    api = SharedStructure({"GameSessionId": "g", "CurrentPlayerSessionCount": 1, "Status": "ACTIVE", "Port": None})
    first = convert(api)
    assert convert(api) is first  # converted once
    patched = api.replaced("CurrentPlayerSessionCount", 2)
    assert api["CurrentPlayerSessionCount"] == 1 and convert(api) is first  # the original is untouched
    kept = convert(patched)
    assert kept == convert(dict(patched)) and list(kept) == list(convert(dict(patched)))
    # A member that was absent (None) cannot be patched in place: the wire form is rebuilt, in order.
    with_port = patched.replaced("Port", 4000)
    assert list(convert(with_port)) == list(convert(dict(with_port)))
    # A value the converter would change (not its passthrough type) drops the wire form.
    as_float = patched.replaced("CurrentPlayerSessionCount", 3.0)
    assert convert(as_float) == {"GameSessionId": "g", "CurrentPlayerSessionCount": 3, "Status": "ACTIVE"}


def test_process_table_counts_match_a_recount(api: Api, tmp_path: Path) -> None:
    fleet_id = active_fleet(api, tmp_path, processes=6)
    table = api.emu.fleets.processes
    rng = random.Random(7)

    def recount() -> dict[tuple[str, str], Counter[tuple[str, str | None]]]:
        counts: dict[tuple[str, str], Counter[tuple[str, str | None]]] = {}
        for process in table._processes.values():
            if process.status not in ENDING:
                counts.setdefault((process.compute_name, process.fleet_id), Counter())[process.key] += 1
        return counts

    for _ in range(200):
        processes = list(table.of_fleet(fleet_id))
        process = rng.choice(processes)
        action = rng.random()
        if action < 0.4:
            process.status = rng.choice(list(ProcessStatus))
        elif action < 0.6:
            process.game_session_id = rng.choice([None, "gs-1", "gs-2"])
        elif action < 0.8:
            table.remove(process.process_id)
            if rng.random() < 0.5:
                table.add(process)
        else:
            api.emu.fleets.process_ended(process.process_id, exit_code=0)
        expected = recount()
        for scope, counts in expected.items():
            assert table.running(*scope) == dict(counts)
        assert set(table._running) == set(expected)


def test_refill_after_every_process_end_keeps_the_runtime_configuration(api: Api, tmp_path: Path) -> None:
    fleet_id = active_fleet(api, tmp_path, processes=5)
    fleets = api.emu.fleets
    for _ in range(30):
        idle = fleets.processes.idle_process(fleet_id, "us-west-2")
        assert idle is not None
        fleets.process_ended(idle.process_id, exit_code=-9)
        per_instance = Counter(p.compute_name for p in fleets.processes.of_fleet(fleet_id) if p.status not in ENDING)
        assert set(per_instance.values()) == {5}
        # No two processes of an instance share a port.
        placed = [(p.compute_name, p.port) for p in fleets.processes.of_fleet(fleet_id)]
        assert len(placed) == len(set(placed))


def test_port_allocator_gives_the_lowest_free_port_in_range() -> None:
    rng = random.Random(3)
    range_sets = [[(10, 20)], [(10, 15), (18, 25)], [(5, 12)], [(30, 31)]]
    for _ in range(100):
        allocator = PortAllocator()
        held: dict[str, set[int]] = {}
        for _step in range(300):
            scope = rng.choice(["a", "b"])
            action = rng.random()
            if action < 0.5:
                ranges = rng.choice(range_sets)
                free = [p for low, high in ranges for p in range(low, high + 1) if p not in held.get(scope, set())]
                expected = free[0] if free else None
                assert allocator.allocate(scope, ranges) == expected
                if expected is not None:
                    held.setdefault(scope, set()).add(expected)
            elif action < 0.65:
                port = rng.randint(0, 35)
                allocator.hold(scope, port)
                held.setdefault(scope, set()).add(port)
            else:
                port = rng.randint(0, 35)
                allocator.release(scope, port)
                held.get(scope, set()).discard(port)
            assert allocator.held(scope) == frozenset(held.get(scope, set()))


def test_process_constructor_builds_what_the_dataclass_builds() -> None:
    fleet = SimpleNamespace(fleet_id="fleet-1", log_paths=["/local/game/logs"])
    instance = SimpleNamespace(location="us-west-2", instance_id="i-1", ip_address="10.0.0.1", dns_name="host")
    entry = {"LaunchPath": "/local/game/server", "Parameters": "-port 1"}
    built = ServerProcess.on_instance("process-1", fleet, instance, entry, 4000, 12.5, status=ProcessStatus.ACTIVE)
    expected = ServerProcess(
        process_id="process-1",
        fleet_id="fleet-1",
        location="us-west-2",
        compute_name="i-1",
        ip_address="10.0.0.1",
        port=4000,
        dns_name="host",
        launch_path="/local/game/server",
        parameters="-port 1",
        log_paths=["/local/game/logs"],
        started_at=12.5,
        status=ProcessStatus.ACTIVE,
    )
    assert built == expected
    assert list(vars(built)) == list(vars(expected))
    assert built.log_paths is not fleet.log_paths
    with pytest.raises(TypeError):
        ServerProcess.on_instance("process-2", fleet, instance, entry, 4001, 0.0, no_such_field=1)


def test_random_ids_are_unique_version_4_uuids() -> None:
    ids = RandomIds()
    minted = [ids.uuid() for _ in range(5000)]
    assert len(set(minted)) == len(minted)
    for text in minted[:300]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert re.fullmatch(r"[0-9a-f]{17}", ids.hex(17))


def test_validation_plans_keep_model_order_for_output_and_errors() -> None:
    validate = compile_validator(MODEL.operation_model("CreateGameSession").input_shape)
    body = {"Name": "n", "MaximumPlayerSessionCount": 4, "FleetId": "fleet-1", "Unknown": 1}
    for _ in range(2):  # the second call takes the remembered plan
        assert list(validate(body)) == ["FleetId", "MaximumPlayerSessionCount", "Name"]
    bad = {"Name": "", "MaximumPlayerSessionCount": -1}
    messages = []
    for _ in range(2):
        with pytest.raises(InputValidationError) as info:
            validate(bad)
        messages.append(info.value.errors)
    assert messages[0] == messages[1]
    assert [m.split("'")[-2] if "at '" in m else m for m in messages[0]] == [
        "maximumPlayerSessionCount",
        "name",
    ]


def test_fleet_tallies_and_player_lookups_match_a_recount(api: Api, tmp_path: Path) -> None:
    fleet_id = active_fleet(api, tmp_path)
    games = [
        api("CreateGameSession", {"FleetId": fleet_id, "MaximumPlayerSessionCount": 4})["GameSession"]["GameSessionId"]
        for _ in range(3)
    ]
    api.emu.advance(0.001)

    def seat(game: str, player: str) -> None:
        api("CreatePlayerSession", {"GameSessionId": game, "PlayerId": player})

    def check() -> None:
        sessions = api.emu.game_sessions._sessions.values()
        live = [s for s in sessions if s.status in ("ACTIVATING", "ACTIVE", "TERMINATING")]
        utilization = api("DescribeFleetUtilization", {"FleetIds": [fleet_id]})["FleetUtilization"][0]
        assert utilization.get("ActiveGameSessionCount", 0) == len(live)
        assert utilization.get("CurrentPlayerSessionCount", 0) == sum(s.current_player_session_count for s in live)
        assert utilization.get("MaximumPlayerSessionCount", 0) == sum(s.maximum_player_session_count for s in live)
        for player in ("alice", "bob"):
            listed = api("DescribePlayerSessions", {"PlayerId": player})["PlayerSessions"]
            expected = [s for s in api.emu.player_sessions._sessions.values() if s.player_id == player]
            assert [p["PlayerSessionId"] for p in listed] == [s.player_session_id for s in expected]

    seat(games[0], "alice")
    seat(games[1], "alice")
    seat(games[1], "bob")
    check()  # the first lookup by player builds the index ...
    seat(games[2], "alice")
    seat(games[0], "bob")
    check()  # ... which follows later sessions
    api("TerminateGameSession", {"GameSessionId": games[1], "TerminationMode": "FORCE_TERMINATE"})
    check()
