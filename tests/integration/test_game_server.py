"""The game server as a real process under gamelift-local: a managed fleet whose build is ``python -m server.build``.

The emulator runs on the system clock (the server's tick loop and the SDK heartbeats are real time), launches
``run-server.sh`` from the build for each server process, and the tests play through the same doors players use:
CreateGameSession / CreatePlayerSession with boto3, then a WebSocket to the ip/port GameLift returned.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from client.net import GameConnection, Received
from infra.emulator.launcher import EmulatorProcess
from server import protocol as p
from server.build import build
from tests.support.clients import gamelift_client
from tests.support.fleets import ROLE_ARN

pytestmark = pytest.mark.slow

PREMIUM = json.dumps({"v": 1, "playerId": "ada", "name": "Ada", "tier": "premium",
                      "entitlements": ["skin.default", "skin.gold", "trail.sparks"]})
FREE = json.dumps({"v": 1, "playerId": "bo", "name": "Bo", "tier": "free", "entitlements": ["skin.default"]})


def free_port_range(size: int, start: int = 41000, stop: int = 60000) -> tuple[int, int]:
    """``size`` consecutive ports nothing listens on now."""
    for low in range(start, stop, size):
        ok = True
        for port in range(low, low + size):
            with socket.socket() as probe:
                try:
                    probe.bind(("0.0.0.0", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return low, low + size - 1
    raise RuntimeError("no free port range")


@dataclass
class Stack:
    emulator: EmulatorProcess
    gl: Any
    fleet_id: str

    def processes(self) -> list[dict]:
        return self.emulator.control(f"processes?fleetId={self.fleet_id}")["processes"]


def wait_for(check: Any, timeout: float = 30.0, step: float = 0.1, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("game-server")
    emulator = EmulatorProcess(
        str(root / "state.db"),
        args=["--log-level", "INFO", "--strict"],
        env={"GAMELIFT_LOCAL_PLAYER_SESSION_RESERVATION_SECONDS": "5",
             "GAMELIFT_LOCAL_PROCESS_TERMINATION_SECONDS": "8"},
    ).start()
    try:
        gl = gamelift_client(emulator.url, "json")
        build_dir = build(root / "build")
        build_id = gl.create_build(
            Name="arena", OperatingSystem="AMAZON_LINUX_2023",
            StorageLocation={"Bucket": "gamelift-local", "Key": str(build_dir), "RoleArn": ROLE_ARN},
        )["Build"]["BuildId"]
        low, high = free_port_range(6)
        fleet_id = gl.create_fleet(
            Name="arena", BuildId=build_id, EC2InstanceType="c5.large",
            EC2InboundPermissions=[{"FromPort": low, "ToPort": high, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}],
            RuntimeConfiguration={"ServerProcesses": [{"LaunchPath": "/local/game/run-server.sh",
                                                       "Parameters": "--empty-timeout 60",
                                                       "ConcurrentExecutions": 2}]},
        )["FleetAttributes"]["FleetId"]
        wait_for(lambda: gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["Status"]
                 == "ACTIVE", 60, what="fleet ACTIVE")
        yield Stack(emulator, gl, fleet_id)
    except BaseException:
        print(emulator.log()[-5000:])
        raise
    finally:
        emulator.stop()


def new_session(stack: Stack, **properties: str) -> dict:
    """An ACTIVE game session on one of the fleet's ready processes."""
    def create() -> dict | None:
        try:
            return stack.gl.create_game_session(
                FleetId=stack.fleet_id, MaximumPlayerSessionCount=8,
                GameProperties=[{"Key": k, "Value": v} for k, v in properties.items()])["GameSession"]
        except stack.gl.exceptions.FleetCapacityExceededException:
            return None
    session = wait_for(create, 30, 0.25, "a ready server process")
    return _active(stack, session["GameSessionId"])


def _active(stack: Stack, game_session_id: str) -> dict:
    def check() -> dict | None:
        session = stack.gl.describe_game_sessions(GameSessionId=game_session_id)["GameSessions"][0]
        assert session["Status"] in ("ACTIVATING", "ACTIVE"), session
        return session if session["Status"] == "ACTIVE" else None
    return wait_for(check, 30, 0.1, "game session ACTIVE")


def seat(stack: Stack, session: dict, player_id: str, player_data: str = FREE) -> str:
    return stack.gl.create_player_session(GameSessionId=session["GameSessionId"], PlayerId=player_id,
                                          PlayerData=player_data)["PlayerSession"]["PlayerSessionId"]


def player_session_status(stack: Stack, player_session_id: str) -> str:
    return stack.gl.describe_player_sessions(PlayerSessionId=player_session_id)["PlayerSessions"][0]["Status"]


def session_status(stack: Stack, session: dict) -> str:
    return stack.gl.describe_game_sessions(GameSessionId=session["GameSessionId"])["GameSessions"][0]["Status"]


@dataclass
class RawPlayer:
    """A minimal client: the raw frames, every message kept, snapshots applied."""

    ws: Any
    welcome: p.Welcome | None = None
    messages: list = field(default_factory=list)
    history: p.SnapshotHistory = field(default_factory=p.SnapshotHistory)
    close_code: int | None = None
    close_reason: str = ""
    seq: int = 0
    reader: asyncio.Task | None = None

    @classmethod
    async def join(cls, port: int, player_session_id: str) -> RawPlayer:
        ws = await websockets.connect(f"ws://127.0.0.1:{port}", max_size=p.MAX_SERVER_MESSAGE_BYTES)
        player = cls(ws)
        await ws.send(p.encode_client(p.Join(player_session_id)))
        welcome = p.decode_server(await asyncio.wait_for(ws.recv(), 10))
        assert isinstance(welcome, p.Welcome), welcome
        player.welcome = welcome
        player.reader = asyncio.create_task(player._read())
        return player

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                message = p.decode_server(frame)
                if isinstance(message, p.SnapshotDelta):
                    message = self.history.receive(message)
                self.messages.append(message)
        except ConnectionClosed:
            pass
        finally:
            self.close_code, self.close_reason = self.ws.close_code, self.ws.close_reason or ""

    async def send_input(self, move_x: int = 0, move_y: int = 0, fire: bool = False) -> None:
        self.seq += 1
        await self.ws.send(p.encode_client(p.Input(self.seq, self.history.ack_tick, move_x, move_y, 0,
                                                   p.BUTTON_FIRE if fire else 0)))

    def of_type(self, kind: type) -> list:
        return [m for m in self.messages if isinstance(m, kind)]

    async def wait(self, check: Any, timeout: float = 10.0, what: str = "message") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}; got {[type(m).__name__ for m in self.messages][-20:]}")

    async def closed(self, timeout: float = 10.0) -> int | None:
        assert self.reader is not None
        await asyncio.wait_for(asyncio.shield(self.reader), timeout)
        return self.close_code

    async def leave(self) -> None:
        await self.ws.close()
        await self.closed()


async def refusal(port: int, *frames: bytes) -> tuple[int | None, str]:
    """Connect, send ``frames``, and return how the server closed the connection."""
    async with websockets.connect(f"ws://127.0.0.1:{port}") as ws:
        for frame in frames:
            await ws.send(frame)
        try:
            while True:
                message = p.decode_server(await asyncio.wait_for(ws.recv(), 10))
                assert not isinstance(message, p.Welcome), "the server let this connection in"
        except ConnectionClosed:
            pass
        return ws.close_code, ws.close_reason or ""


def snapshots_of(player: RawPlayer) -> list[p.Snapshot]:
    return player.of_type(p.Snapshot)


# --- tests ---------------------------------------------------------------------------------------------------------


def test_two_players_play_see_each_other_leave_and_the_process_is_replaced(stack: Stack) -> None:
    session = new_session(stack, roundSeconds="120")
    port = session["Port"]
    process = next(pr for pr in stack.processes() if pr["gameSessionId"] == session["GameSessionId"])
    ada_seat, bo_seat = seat(stack, session, "ada", PREMIUM), seat(stack, session, "bo", FREE)

    async def play() -> None:
        # Ada plays through the client's own networking (client/net.py), Bo through raw frames.
        ada = GameConnection(f"ws://127.0.0.1:{port}", ada_seat)
        welcome = await ada.open()
        assert [pl.name for pl in welcome.players] == ["Ada"]
        assert (welcome.players[0].skin, welcome.players[0].trail, welcome.players[0].tier) == (
            "gold", "sparks", "premium")  # from PlayerData, through GameLift
        ada.start()
        bo = await RawPlayer.join(port, bo_seat)
        assert bo.welcome is not None and {pl.name for pl in bo.welcome.players} == {"Ada", "Bo"}
        bo_id = bo.welcome.your_id
        assert next(pl for pl in bo.welcome.players if pl.id == bo_id).skin == "default"

        seen: list = []

        def ada_messages() -> list:
            while not ada.inbox.empty():
                item = ada.inbox.get_nowait()
                if isinstance(item, Received):
                    seen.append(item.message)
            return seen

        await bo.wait(lambda: any(isinstance(m, p.PlayerJoined) and m.player.id == bo_id for m in ada_messages()),
                      what="Ada told Bo joined")
        history = p.SnapshotHistory()

        def bo_positions() -> list[tuple[float, float]]:
            """Bo's ship in the snapshots Ada received since the last call."""
            out = []
            for m in ada_messages():
                if isinstance(m, p.SnapshotDelta):
                    snap = history.receive(m)
                    if bo_id in snap.ships:
                        out.append((snap.ships[bo_id].x, snap.ships[bo_id].y))
            seen[:] = [m for m in seen if not isinstance(m, p.SnapshotDelta)]
            return out

        positions: list[tuple[float, float]] = []
        for _ in range(45):  # Bo thrusts right for 1.5 s
            await bo.send_input(127, 0)
            positions += bo_positions()
            await asyncio.sleep(1 / 30)
        positions += await bo.wait(bo_positions, what="more snapshots")
        assert positions[-1][0] > positions[0][0] + 50, positions  # Ada saw Bo move right
        bo_snaps = snapshots_of(bo)
        assert bo_snaps[-1].ack_seq > 0  # the server applied Bo's inputs and said so
        assert any(s.base_tick for s in bo_snaps)  # delta-encoded once Bo acked

        await bo.leave()
        left = await bo.wait(lambda: [m for m in ada_messages() if isinstance(m, p.PlayerLeft)],
                             what="Ada told Bo left")
        assert left[0] == p.PlayerLeft(bo_id, p.LeaveReason.LEFT)
        await ada.close()

    asyncio.run(play())
    wait_for(lambda: player_session_status(stack, bo_seat) == "COMPLETED", 10, what="Bo's player session COMPLETED")
    # The last player left: the session ends, the process calls ProcessEnding and exits 0, and a new one takes its
    # place.
    wait_for(lambda: session_status(stack, session) == "TERMINATED", 20, what="game session TERMINATED")
    assert player_session_status(stack, ada_seat) == "COMPLETED"
    wait_for(lambda: process["processId"] not in {pr["processId"] for pr in stack.processes()}, 20,
             what="the process gone")
    wait_for(lambda: len([pr for pr in stack.processes() if pr["status"] == "ACTIVE"]) == 2, 30,
             what="a replacement process")
    events = stack.gl.describe_fleet_events(FleetId=stack.fleet_id)["Events"]
    assert not [e for e in events if e["EventCode"] == "SERVER_PROCESS_CRASHED"]

    # The session's logs were collected from the paths the server gave ProcessReady.
    url = stack.gl.get_game_session_log_url(GameSessionId=session["GameSessionId"])["PreSignedUrl"]
    archive = zipfile.ZipFile(io.BytesIO(urllib.request.urlopen(url, timeout=30).read()))
    session_log = next(n for n in archive.namelist() if n.endswith("game-session.log"))
    text = archive.read(session_log).decode()
    assert f"event=player_accepted game_session_id={session['GameSessionId']} player_session_id={bo_seat}" in text
    assert "event=game_session_ended" in text and "reason=empty" in text


def test_forged_reused_expired_and_foreign_player_session_ids_are_refused(stack: Stack) -> None:
    session = new_session(stack, roundSeconds="120")
    other = new_session(stack, roundSeconds="120")
    port = session["Port"]
    ada_seat = seat(stack, session, "ada")
    late_seat = seat(stack, session, "late")
    foreign_seat = seat(stack, other, "elsewhere")
    gone_seat = seat(stack, session, "gone")

    async def scenario() -> None:
        ada = await RawPlayer.join(port, ada_seat)
        gone = await RawPlayer.join(port, gone_seat)
        await gone.leave()
        refusals = {
            "forged": await refusal(port, p.encode_client(p.Join("psess-00000000-0000-4000-8000-000000000000"))),
            "not an id": await refusal(port, p.encode_client(p.Join("hello"))),
            "reused while playing": await refusal(port, p.encode_client(p.Join(ada_seat))),
            "reused after leaving": await refusal(port, p.encode_client(p.Join(gone_seat))),
            "other game session": await refusal(port, p.encode_client(p.Join(foreign_seat))),
            "input before join": await refusal(port, p.encode_client(p.Input(1))),
            "old protocol": await refusal(port, p.encode_client(p.Join(late_seat, version=0))),
        }
        expected = {
            "forged": p.CloseCode.PLAYER_SESSION_UNKNOWN,
            "not an id": p.CloseCode.PLAYER_SESSION_UNKNOWN,
            "reused while playing": p.CloseCode.PLAYER_SESSION_IN_USE,
            "reused after leaving": p.CloseCode.PLAYER_SESSION_IN_USE,
            "other game session": p.CloseCode.PLAYER_SESSION_WRONG_GAME,
            "input before join": p.CloseCode.JOIN_REQUIRED,
            "old protocol": p.CloseCode.UNSUPPORTED_VERSION,
        }
        assert {k: v[0] for k, v in refusals.items()} == {k: int(v) for k, v in expected.items()}, refusals
        assert refusals["reused while playing"][1].startswith("player session already used")
        # The reservation of late_seat times out (5 s in this emulator): its id is refused as expired.
        wait_for(lambda: player_session_status(stack, late_seat) == "TIMEDOUT", 15, 0.25, "TIMEDOUT")
        code, _ = await refusal(port, p.encode_client(p.Join(late_seat)))
        assert code == p.CloseCode.PLAYER_SESSION_EXPIRED
        # Ada was not disturbed: still connected, still getting snapshots, her seat still ACTIVE.
        before = len(snapshots_of(ada))
        await ada.wait(lambda: len(snapshots_of(ada)) > before + 10, what="Ada's snapshots")
        assert ada.close_code is None
        assert player_session_status(stack, ada_seat) == "ACTIVE"
        await ada.leave()

    asyncio.run(scenario())
    # Untouched by the refusal elsewhere: never accepted, so it is still reserved (or has timed out since).
    assert player_session_status(stack, foreign_seat) in ("RESERVED", "TIMEDOUT")
    stack.gl.terminate_game_session(GameSessionId=other["GameSessionId"],
                                    TerminationMode="TRIGGER_ON_PROCESS_TERMINATE")


def test_malformed_oversized_and_flooding_connections_are_closed_alone(stack: Stack) -> None:
    session = new_session(stack, roundSeconds="120")
    port = session["Port"]
    seats = [seat(stack, session, f"p{i}") for i in range(4)]

    async def scenario() -> None:
        ada, bad, big, flood = [await RawPlayer.join(port, s) for s in seats]
        await bad.ws.send(b"\x02\x01\x02")  # an INPUT cut short
        await big.ws.send(bytes([p.MsgType.PING]) + b"\x00" * 1000)
        for _ in range(200):
            try:
                await flood.send_input(10, 10)
            except ConnectionClosed:
                break
        assert await bad.closed() == p.CloseCode.PROTOCOL_ERROR
        assert await big.closed() == p.CloseCode.MESSAGE_TOO_LARGE
        assert await flood.closed() == p.CloseCode.RATE_LIMITED
        kicked = await ada.wait(lambda: len(ada.of_type(p.PlayerLeft)) >= 3 and ada.of_type(p.PlayerLeft),
                                what="three players kicked")
        assert {(m.id, m.reason) for m in kicked} == {(pl.welcome.your_id, p.LeaveReason.KICKED)
                                                      for pl in (bad, big, flood)}
        before = len(snapshots_of(ada))
        for _ in range(20):
            await ada.send_input(0, 60)
            await asyncio.sleep(1 / 30)
        await ada.wait(lambda: len(snapshots_of(ada)) > before + 5, what="Ada's snapshots")
        assert ada.close_code is None and set(snapshots_of(ada)[-1].ships) == {ada.welcome.your_id}
        await ada.leave()

    asyncio.run(scenario())
    for s in seats:
        wait_for(lambda s=s: player_session_status(stack, s) == "COMPLETED", 10, what="seats freed")


def test_game_over_and_process_terminate_end_the_process_cleanly(stack: Stack) -> None:
    started = time.time() - 1
    short = new_session(stack, roundSeconds="2", rounds="1", resultsSeconds="1")
    doomed = new_session(stack, roundSeconds="120")

    async def scenario() -> None:
        a = await RawPlayer.join(short["Port"], seat(stack, short, "a"))
        b = await RawPlayer.join(doomed["Port"], seat(stack, doomed, "b"))
        # GameLift asks the second process to end (as on scale-in): the player is told, then closed.
        stack.gl.terminate_game_session(GameSessionId=doomed["GameSessionId"],
                                        TerminationMode="TRIGGER_ON_PROCESS_TERMINATE")
        assert await a.closed(20) == p.CloseCode.GAME_OVER
        ends = a.of_type(p.RoundEnd)
        assert len(ends) == 1 and ends[0].final
        assert a.of_type(p.ServerClosing)[0].code is p.CloseCode.GAME_OVER
        assert await b.closed(20) == p.CloseCode.SERVER_SHUTTING_DOWN
        notice = b.of_type(p.ServerClosing)[0]
        # The emulator gives 8 s; the server keeps 3 s for ProcessEnding and exit, and lets players read the rest.
        assert notice.code is p.CloseCode.SERVER_SHUTTING_DOWN and 1 <= notice.seconds <= 5

    asyncio.run(scenario())
    for s in (short, doomed):
        wait_for(lambda s=s: session_status(stack, s) == "TERMINATED", 20, what="sessions TERMINATED")
    wait_for(lambda: len([pr for pr in stack.processes() if pr["status"] == "ACTIVE"]) == 2, 30,
             what="replacement processes")
    codes = [e["EventCode"] for e in stack.gl.describe_fleet_events(FleetId=stack.fleet_id)["Events"]
             if e["EventTime"].timestamp() >= started]
    assert "SERVER_PROCESS_CRASHED" not in codes and "SERVER_PROCESS_FORCE_TERMINATED" not in codes


def test_build_layout(tmp_path: Path) -> None:
    out = build(tmp_path / "b", target="aws")
    script = (out / "run-server.sh").read_text()
    assert 'exec "python3.11" -m server "$@"' in script
    assert (out / "run-server.sh").stat().st_mode & 0o111
    assert (out / "server" / "__main__.py").is_file() and (out / "sdk" / "gamelift_server" / "api.py").is_file()
    assert "websockets" in (out / "requirements.txt").read_text()
