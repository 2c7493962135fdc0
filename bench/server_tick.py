"""Game server tick: time per tick and bytes per player, at 8/16/32/64 players, beside an empty tick loop.

``python -m bench.server_tick [--players 8,16,32,64] [--rounds 5] [--ticks 300] [--warmup 90] [--core N]``
``python -m bench.server_tick --encodings``   (struct vs msgpack for a 16-player snapshot; needs msgpack importable)

What runs: the server's own :class:`server.match.Match` (the object the live tick loop calls 30 times a second),
with simulated players driving it **in-process**: each player is a bot (a steering AI reading the world: wander,
chase a target, shoot when in range) whose inputs go through the real wire path, ``encode_client`` ->
``decode_client`` -> ``Match.on_message``, and whose outbox counts the frames the server would send (snapshots
delta-encoded against what the bot acknowledged ~100 ms earlier, i.e. a 100 ms round trip). No sockets: the
WebSocket framing and the writer tasks are not in the figures (they run outside the tick in the server too).

Measured per tick, with ``time.perf_counter`` (wall clock, what players feel) and ``time.thread_time`` (CPU time,
what the tick costs; on a shared machine a neighbour's load shows in the first and not the second):
- ``tick``: ``Match.tick()``: applying inputs, the simulation step, round logic, and on snapshot ticks (20 of 30)
  building the snapshot and encoding it for every player (one body per distinct base) into their send queues;
- ``input``: decoding and queueing that tick's input frames (in the server this happens in the connection readers).
Bot thinking is excluded. Ticks run back to back (the cost of a tick does not depend on the wall clock), the process
pinned to one core (``--core``, default the last), project and baseline interleaved A B A B after a warm-up.

Baseline (BENCHMARKS.md): the same Match and tick loop with an empty simulation step (the world never changes; the
loop still drains inputs and sends its snapshots, which are then empty deltas).

``--network`` adds the same comparison with real sockets: the server core (the same Match, ``server.net``
connections with their send queues and writer tasks, the ``server.tick`` loop at 30 Hz in real time; the GameLift
admission is replaced by taking the JOIN's id as is) in its own process pinned to one core, and the bots (one
asyncio process, N WebSocket clients sending inputs at 30 Hz and acking the snapshots they receive) pinned to the
other core. Figures there: the tick's work p50/p99 as the live loop measures it (socket reads and writes run between
ticks on the same core), how late ticks start, the server process's CPU share, and payload bytes per player per
second as sent on the wire.

Result: ``bench/results/server_tick.json`` (per player count: p50/p99/max/mean tick ms over all rounds, the spread of
per-round p99s, bytes per player per second, snapshot frame sizes, for project and baseline, and the ratios), and a
summary line printed last. Target (issue 5): 64 players at 30 Hz with p99 tick < 10 ms on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import platform
import random
import statistics
import struct
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from server import protocol
from server.game import PlayerProfile, Rules, ShipInput, TeamPlan, TickOutcome, World, step
from server.game.units import radians_to_aim
from server.match import Match, Player, Seat

RESULTS = Path(__file__).resolve().parent / "results" / "server_tick.json"
PLAYER_COUNTS = (8, 16, 32, 64)
TARGET_PLAYERS, TARGET_P99_MS = 64, 10.0
RTT_TICKS = 3  # bots acknowledge the snapshot from ~100 ms ago
_TICK = struct.Struct("<I")


class CountingOutbox:
    """A player's connection as the Match sees it: counts what would be sent, remembers snapshot ticks for acks."""

    def __init__(self) -> None:
        self.bytes = 0
        self.frames = 0
        self.snapshot_bytes: list[int] = []
        self.snapshot_ticks: deque[int] = deque(maxlen=16)

    def send(self, frame: bytes, droppable: bool = False) -> bool:
        self.bytes += len(frame)
        self.frames += 1
        if frame[0] == protocol.MsgType.SNAPSHOT:
            self.snapshot_ticks.append(_TICK.unpack_from(frame, 1)[0])
            self.snapshot_bytes.append(len(frame))
        return True

    def close(self, code: protocol.CloseCode, detail: str = "") -> None:
        raise AssertionError(f"the server closed a bench player: {code.name} {detail}")

    def ack_tick(self, now_tick: int) -> int:
        """The newest snapshot at least RTT_TICKS old: what a client 100 ms away would have acked by now."""
        for tick in reversed(self.snapshot_ticks):
            if tick <= now_tick - RTT_TICKS:
                return tick
        return 0


class Bot:
    """Steering: wander towards a goal, keep a target, aim at it, fire when it is close. Reads the world directly."""

    def __init__(self, player: Player, rng: random.Random, rules: Rules) -> None:
        self.player = player
        self.rng = rng
        self.rules = rules
        self.seq = 0
        self.goal = (rng.uniform(0, rules.arena_width), rng.uniform(0, rules.arena_height))
        self.target: int | None = None

    def think(self, world: World) -> bytes:
        ship = world.ships[self.player.ship_id]
        x, y = ship.motion.x, ship.motion.y
        gx, gy = self.goal
        if (gx - x) ** 2 + (gy - y) ** 2 < 2500 or self.rng.random() < 0.01:
            self.goal = gx, gy = (self.rng.uniform(0, self.rules.arena_width),
                                  self.rng.uniform(0, self.rules.arena_height))
        if self.target not in world.ships or self.rng.random() < 0.02:
            others = [i for i in world.ships if i != ship.id]
            self.target = self.rng.choice(others) if others else None
        aim, fire = ship.aim, False
        if self.target is not None:
            other = world.ships[self.target].motion
            dx, dy = other.x - x, other.y - y
            aim = radians_to_aim(math.atan2(dy, dx))
            fire = dx * dx + dy * dy < 600 * 600 and world.ships[self.target].alive
        dx, dy = gx - x, gy - y
        length = math.sqrt(dx * dx + dy * dy) or 1.0
        self.seq += 1
        outbox = self.player.outbox
        assert isinstance(outbox, CountingOutbox)
        return protocol.encode_client(protocol.Input(
            self.seq, outbox.ack_tick(world.tick), round(dx / length * 127), round(dy / length * 127), aim,
            protocol.BUTTON_FIRE if fire else 0))


def empty_step(world: World, inputs: dict[int, ShipInput]) -> TickOutcome:
    """The baseline's simulation: time passes, nothing happens."""
    world.tick += 1
    return TickOutcome()


def bench_rules() -> Rules:
    # One long round: the figures are about fighting, not about the results screen.
    return Rules(max_players=64, round_seconds=3600.0)


def setup(players: int, seed: int, empty: bool) -> tuple[Match, list[Bot]]:
    rules = bench_rules()
    match = Match("bench", rules, TeamPlan(), simulate=empty_step if empty else step)
    rng = random.Random(seed)
    bots = []
    for i in range(players):
        seat = Seat(f"psess-bench-{i}", f"player-{i}")
        player = match.join(seat, PlayerProfile(name=f"bot{i}"), CountingOutbox())
        bots.append(Bot(player, rng, rules))
    return match, bots


def run_round(players: int, ticks: int, warmup: int, empty: bool, seed: int) -> dict[str, Any]:
    match, bots = setup(players, seed, empty)
    tick_times: list[float] = []
    cpu_times: list[float] = []
    input_times: list[float] = []
    decode, deliver = protocol.decode_client, match.on_message
    for n in range(warmup + ticks):
        if n == warmup:
            for bot in bots:
                outbox = bot.player.outbox
                assert isinstance(outbox, CountingOutbox)
                outbox.bytes = outbox.frames = 0
                outbox.snapshot_bytes.clear()
        frames = [(bot.player, bot.think(match.world)) for bot in bots]
        started = time.perf_counter()
        for player, frame in frames:
            deliver(player, decode(frame))
        decoded = time.perf_counter()
        cpu_started = time.thread_time()
        match.tick()
        cpu_done = time.thread_time()
        done = time.perf_counter()
        if n >= warmup:
            input_times.append(decoded - started)
            tick_times.append(done - decoded)
            cpu_times.append(cpu_done - cpu_started)
    outboxes = [b.player.outbox for b in bots]
    seconds = ticks / match.rules.tick_rate
    snapshot_sizes = [size for o in outboxes for size in o.snapshot_bytes]  # type: ignore[attr-defined]
    return {
        "tick_ms": [t * 1000 for t in tick_times],
        "cpu_ms": [t * 1000 for t in cpu_times],
        "input_us_median": statistics.median(input_times) * 1e6,
        "bytes_per_player_per_s": sum(o.bytes for o in outboxes) / players / seconds,  # type: ignore[attr-defined]
        "snapshot_bytes_median": statistics.median(snapshot_sizes) if snapshot_sizes else 0,
        "projectiles_end": len(match.world.projectiles),
        "tags": sum(s.deaths for s in match.world.ships.values()),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    every = [t for r in rounds for t in r["tick_ms"]]
    cpu = [t for r in rounds for t in r["cpu_ms"]]
    p99s = [percentile(r["tick_ms"], 0.99) for r in rounds]
    return {
        "p50_ms": round(percentile(every, 0.50), 4),
        "p99_ms": round(percentile(every, 0.99), 4),
        "max_ms": round(max(every), 4),
        "mean_ms": round(statistics.fmean(every), 4),
        "cpu_p50_ms": round(percentile(cpu, 0.50), 4),
        "cpu_p99_ms": round(percentile(cpu, 0.99), 4),
        "cpu_max_ms": round(max(cpu), 4),
        "p99_ms_per_round": [round(v, 4) for v in p99s],
        "p99_ms_median_of_rounds": round(statistics.median(p99s), 4),
        "p99_spread_pct": round((max(p99s) - min(p99s)) / statistics.median(p99s) * 100, 1) if p99s else 0.0,
        "input_us_per_tick_median": round(statistics.median(r["input_us_median"] for r in rounds), 1),
        "bytes_per_player_per_s": round(statistics.median(r["bytes_per_player_per_s"] for r in rounds), 1),
        "snapshot_bytes_median": statistics.median(r["snapshot_bytes_median"] for r in rounds),
        "tags_per_round_median": statistics.median(r["tags"] for r in rounds),
        "ticks_measured": len(every),
    }


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parent.parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def pin(core: int | None) -> list[int]:
    if not hasattr(os, "sched_setaffinity"):
        return []
    cores = sorted(os.sched_getaffinity(0))
    chosen = cores[-1] if core is None else core
    os.sched_setaffinity(0, {chosen})
    return [chosen]


def run(counts: list[int], rounds: int, ticks: int, warmup: int, core: int | None) -> dict[str, Any]:
    pinned = pin(core)
    results: dict[str, Any] = {}
    for players in counts:
        project: list[dict[str, Any]] = []
        baseline: list[dict[str, Any]] = []
        load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        for r in range(rounds):
            order = [(False, project), (True, baseline)]
            if r % 2:
                order.reverse()  # A B, B A, ...: neither always runs on a warmer cache
            for empty, into in order:
                gc.collect()
                into.append(run_round(players, ticks, warmup, empty, seed=1000 * players + r))
        p, b = summarise(project), summarise(baseline)
        results[str(players)] = {
            "project": p,
            "baseline_empty_step": b,
            "ratio_p50": round(p["p50_ms"] / b["p50_ms"], 1) if b["p50_ms"] else None,
            "ratio_p99": round(p["p99_ms"] / b["p99_ms"], 1) if b["p99_ms"] else None,
            "tick_budget_used_p99_pct": round(p["p99_ms"] / (1000 / bench_rules().tick_rate) * 100, 1),
            # The machine is shared: a busy neighbour shows up as wall-clock spikes that CPU time does not have.
            "load_average_1min": [load_before, os.getloadavg()[0] if hasattr(os, "getloadavg") else None],
        }
        print(f"{players:>3} players: tick p50 {p['p50_ms']:.3f} ms p99 {p['p99_ms']:.3f} ms (max {p['max_ms']:.2f}, "
              f"cpu p99 {p['cpu_p99_ms']:.3f}); "
              f"empty loop p50 {b['p50_ms']:.3f} p99 {b['p99_ms']:.3f} ms; "
              f"{p['bytes_per_player_per_s'] / 1000:.1f} kB/player/s; "
              f"input {p['input_us_per_tick_median']:.0f} us/tick",
              flush=True)
    rules = bench_rules()
    return {
        "benchmark": "server_tick",
        "players": results,
        "conditions": {
            "mode": "in-process: bots drive server.match.Match through encode_client/decode_client; no sockets",
            "player_counts": counts,
            "rounds": rounds,
            "ticks_per_round": ticks,
            "warmup_ticks": warmup,
            "tick_rate_hz": rules.tick_rate,
            "snapshot_rate_hz": rules.snapshot_rate,
            "simulated_rtt_ms": round(RTT_TICKS * 1000 / rules.tick_rate),
            "bots": "wander + chase a target, fire within 600 units; fire cooldown 0.25 s",
            "arena": [rules.arena_width, rules.arena_height],
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "cpu_count": os.cpu_count(),
            "cores": {"benchmark_process": pinned or "unpinned", "bots": "same process, excluded from timings"},
            "machine": platform.machine(),
            "git_commit": git_commit(),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        "target": {"players": TARGET_PLAYERS, "tick_hz": rules.tick_rate, "p99_ms_below": TARGET_P99_MS},
    }


# --- with sockets ---------------------------------------------------------------------------------------------------


async def serve(players: int, seconds: float, warmup: float, empty: bool, out: Path) -> None:
    """The server side of ``--network``: Match + net + TickLoop on real sockets, in this process."""
    from server import net
    from server.tick import TickLoop

    match = Match("bench-net", bench_rules(), TeamPlan(), simulate=empty_step if empty else step)
    connections: list[net.Connection] = []
    everyone = asyncio.Event()

    async def handler(ws: Any) -> None:
        connection = net.Connection(ws)
        connections.append(connection)
        join = await net.receive_join(ws)
        player = match.join(Seat(join.player_session_id, join.player_session_id),
                            PlayerProfile(name=join.player_session_id[-6:]), connection)
        if len(match.players) == players:
            everyone.set()
        reason = await net.read_messages(ws, connection, lambda m: match.on_message(player, m))
        match.leave(player, reason)
        connection.close(protocol.CloseCode.NORMAL)
        await connection.wait_closed()

    listener = await net.listen(handler, "127.0.0.1", [0])
    print(listener.port, flush=True)
    await asyncio.wait_for(everyone.wait(), 60)
    loop = TickLoop(match.tick, match.rules.tick_rate)
    loop.stats.window = 10**9
    loop.start()
    await asyncio.sleep(warmup)
    loop.stats.durations.clear()
    loop.stats.lateness.clear()
    sent_before = sum(c.bytes_sent for c in connections)
    cpu_before, wall_before = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu, wall = time.process_time() - cpu_before, time.monotonic() - wall_before
    sent = sum(c.bytes_sent for c in connections) - sent_before
    durations = [d * 1000 for d in loop.stats.durations]
    late = [d * 1000 for d in loop.stats.lateness]
    dropped = [c.close_code.name for c in connections if c.close_code is not None]
    await loop.stop()
    out.write_text(json.dumps({
        "tick_ms": durations, "late_ms": late, "cpu_share": cpu / wall, "skipped_ticks": loop.stats.skipped,
        "bytes_per_player_per_s": sent / players / wall, "dropped": dropped, "players": len(match.players),
    }))
    listener.close()


async def drive(players: int, port: int, seconds: float) -> None:
    """The bots of ``--network``: N WebSocket clients in this process; inputs at 30 Hz, acks of what arrived."""
    import websockets

    rng = random.Random(players)
    sockets = []
    acked = [0] * players
    for i in range(players):
        ws = await websockets.connect(f"ws://127.0.0.1:{port}", max_size=protocol.MAX_SERVER_MESSAGE_BYTES,
                                      compression=None)
        await ws.send(protocol.encode_client(protocol.Join(f"psess-bench-{i:04d}")))
        sockets.append(ws)

    async def read(i: int, ws: Any) -> None:
        try:
            async for frame in ws:
                if frame[0] == protocol.MsgType.SNAPSHOT:
                    acked[i] = _TICK.unpack_from(frame, 1)[0]
        except websockets.ConnectionClosed:
            pass

    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets)]
    moves = [(rng.randint(-127, 127), rng.randint(-127, 127), rng.randint(0, 65535)) for _ in range(players)]
    due = time.monotonic()
    deadline = due + seconds
    seq = 0
    while time.monotonic() < deadline:
        seq += 1
        for i, ws in enumerate(sockets):
            if rng.random() < 0.05:
                moves[i] = (rng.randint(-127, 127), rng.randint(-127, 127), rng.randint(0, 65535))
            mx, my, aim = moves[i]
            frame = protocol.encode_client(protocol.Input(seq, acked[i], mx, my, aim,
                                                          protocol.BUTTON_FIRE if rng.random() < 0.5 else 0))
            try:
                await ws.send(frame)
            except websockets.ConnectionClosed:
                pass
        due += 1 / 30
        await asyncio.sleep(max(0.0, due - time.monotonic()))
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*readers, return_exceptions=True)


def network_round(players: int, seconds: float, warmup: float, empty: bool, cores: list[int]) -> dict[str, Any]:
    import tempfile

    out = Path(tempfile.mkstemp(prefix="server-tick-", suffix=".json")[1])
    server_core, bot_core = (cores[0], cores[-1]) if cores else (None, None)
    base = [sys.executable, "-m", "bench.server_tick"]
    server = subprocess.Popen([*base, "--serve", "--players", str(players), "--seconds", str(seconds),
                               "--warmup-seconds", str(warmup), "--output", str(out),
                               *(["--empty"] if empty else []),
                               *(["--core", str(server_core)] if server_core is not None else [])],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = int(server.stdout.readline())
    bots = subprocess.Popen([*base, "--drive", "--players", str(players), "--port", str(port),
                             "--seconds", str(seconds + warmup + 5),
                             *(["--core", str(bot_core)] if bot_core is not None else [])])
    server.wait(timeout=seconds + warmup + 120)
    bots.wait(timeout=60)
    result = json.loads(out.read_text())
    out.unlink()
    return result


def run_network(counts: list[int], rounds: int, seconds: float, warmup: float) -> dict[str, Any]:
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    results: dict[str, Any] = {}
    for players in counts:
        project: list[dict[str, Any]] = []
        baseline: list[dict[str, Any]] = []
        for r in range(rounds):
            order = [(False, project), (True, baseline)]
            if r % 2:
                order.reverse()
            for empty, into in order:
                into.append(network_round(players, seconds, warmup, empty, cores))
        entry = {}
        for name, rs in (("project", project), ("baseline_empty_step", baseline)):
            every = [t for r in rs for t in r["tick_ms"]]
            late = [t for r in rs for t in r["late_ms"]]
            entry[name] = {
                "p50_ms": round(percentile(every, 0.5), 4), "p99_ms": round(percentile(every, 0.99), 4),
                "max_ms": round(max(every), 4),
                "p99_ms_per_round": [round(percentile(r["tick_ms"], 0.99), 4) for r in rs],
                "late_p50_ms": round(percentile(late, 0.5), 3), "late_p99_ms": round(percentile(late, 0.99), 3),
                "server_cpu_share_median": round(statistics.median(r["cpu_share"] for r in rs), 3),
                "bytes_per_player_per_s": round(statistics.median(r["bytes_per_player_per_s"] for r in rs), 1),
                "skipped_ticks": sum(r["skipped_ticks"] for r in rs),
                "dropped_connections": [d for r in rs for d in r["dropped"]],
                "ticks_measured": len(every),
            }
        p, b = entry["project"], entry["baseline_empty_step"]
        entry["ratio_p99"] = round(p["p99_ms"] / b["p99_ms"], 1) if b["p99_ms"] else None
        results[str(players)] = entry
        print(f"{players:>3} players over sockets: tick p50 {p['p50_ms']:.3f} ms p99 {p['p99_ms']:.3f} ms, "
              f"late p99 {p['late_p99_ms']:.2f} ms, server CPU {p['server_cpu_share_median'] * 100:.0f}%; "
              f"empty loop p99 {b['p99_ms']:.3f} ms, CPU {b['server_cpu_share_median'] * 100:.0f}%; "
              f"{p['bytes_per_player_per_s'] / 1000:.1f} kB/player/s", flush=True)
    return {"players": results, "conditions": {
        "mode": "sockets: server core (Match + server.net + server.tick, no GameLift) in one process, bots in "
                "another; 127.0.0.1",
        "rounds": rounds, "seconds_per_round": seconds, "warmup_seconds": warmup,
        "cores": {"server": cores[:1] or "unpinned", "bots": cores[-1:] or "unpinned"},
        "bots": "random thrust/aim changed 5% of ticks, fire 50% of ticks, inputs at 30 Hz",
    }}


# --- struct vs msgpack, for the protocol's choice -------------------------------------------------------------------


def compare_encodings() -> dict[str, Any]:
    """The figures behind server/protocol.py's encoding choice (needs msgpack importable)."""
    import msgpack

    from server.snapshots import world_snapshot

    match, bots = setup(16, seed=1, empty=False)
    snaps = []
    for _ in range(300):
        frames = [(bot.player, bot.think(match.world)) for bot in bots]
        for player, frame in frames:
            match.on_message(player, protocol.decode_client(frame))
        match.tick()
        if match.is_snapshot_tick(match.world.tick):
            snaps.append(world_snapshot(match.world))

    def as_lists(s: protocol.Snapshot, b: protocol.Snapshot | None) -> list:
        bs = b.ships if b else {}
        ships = []
        for i, sh in s.ships.items():
            o = bs.get(i)
            if o == sh:
                continue
            wire = [round(sh.x * 16), round(sh.y * 16), round(sh.vx * 16), round(sh.vy * 16), *sh[4:]]
            ships.append([i, *wire] if o is None else [i] + [None if o[k] == sh[k] else wire[k] for k in range(8)])
        bp = b.projectiles if b else {}
        return [0x84, s.tick, b.tick if b else 0, 1, int(s.phase), s.round, s.time_left_ticks, ships,
                [i for i in bs if i not in s.ships],
                [[pid, q.owner, round(q.x * 16), round(q.y * 16), round(q.vx * 16), round(q.vy * 16), q.spawn_tick]
                 for pid, q in s.projectiles.items() if pid not in bp],
                [pid for pid in bp if pid not in s.projectiles],
                [[i, int(q.kind), q.active, round(q.x * 16), round(q.y * 16)] for i, q in s.pickups.items()
                 if (b.pickups.get(i) if b else None) != q],
                [[i, v] for i, v in s.team_scores.items() if (b.team_scores.get(i) if b else None) != v],
                [list(e) for e in s.events]]

    def mp_decode(data: bytes) -> protocol.SnapshotDelta:
        m = msgpack.unpackb(data)
        ships = tuple(protocol.ShipDelta(r[0], protocol.SHIP_ALL, (r[1] / 16, r[2] / 16, r[3] / 16, r[4] / 16,
                                                                   *r[5:])) for r in m[7])
        return protocol.SnapshotDelta(
            m[1], m[2], m[3], protocol.Phase(m[4]), m[5], m[6], ships, tuple(m[8]),
            {r[0]: protocol.ProjectileState(r[1], r[2] / 16, r[3] / 16, r[4] / 16, r[5] / 16, r[6]) for r in m[9]},
            tuple(m[10]), {r[0]: protocol.PickupState(protocol.PickupKind(r[1]), r[3] / 16, r[4] / 16, r[2])
                           for r in m[11]}, {r[0]: r[1] for r in m[12]}, tuple(protocol.GameEvent(*e) for e in m[13]))

    def micros(fn: Any, n: int = 2000) -> float:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(n):
                fn()
            runs.append((time.perf_counter() - started) / n * 1e6)
        return round(statistics.median(runs), 1)

    full, base = snaps[-1], snaps[-2]
    struct_full = protocol.encode_snapshot(full, None, 1)
    msgpack_full = msgpack.packb(as_lists(full, None))
    deltas_struct = [len(protocol.encode_snapshot(snaps[i], snaps[i - 1], 1)) for i in range(20, len(snaps))]
    deltas_msgpack = [len(msgpack.packb(as_lists(snaps[i], snaps[i - 1]))) for i in range(20, len(snaps))]
    out = {
        "snapshot": {"ships": len(full.ships), "projectiles": len(full.projectiles), "pickups": len(full.pickups)},
        "msgpack_version": ".".join(map(str, msgpack.version)),
        "full_bytes": {"struct": len(struct_full), "msgpack": len(msgpack_full)},
        "delta_bytes_median": {"struct": statistics.median(deltas_struct),
                               "msgpack": statistics.median(deltas_msgpack)},
        "encode_full_us": {"struct": micros(lambda: protocol.encode_snapshot(full, None, 1)),
                           "msgpack": micros(lambda: msgpack.packb(as_lists(full, None)))},
        "encode_delta_us": {"struct": micros(lambda: protocol.encode_snapshot(full, base, 1)),
                            "msgpack": micros(lambda: msgpack.packb(as_lists(full, base)))},
        "decode_full_us": {"struct": micros(lambda: protocol.decode_server(struct_full)),
                           "msgpack": micros(lambda: mp_decode(msgpack_full))},
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server_tick", description=__doc__.splitlines()[0])
    parser.add_argument("--players", default=",".join(map(str, PLAYER_COUNTS)))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=300, help="measured ticks per round (30 = one second)")
    parser.add_argument("--warmup", type=int, default=90, help="ticks before measuring, each round")
    parser.add_argument("--core", type=int, help="CPU to pin to (default: the last one allowed)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--encodings", action="store_true", help="compare struct and msgpack encodings and exit")
    parser.add_argument("--network", action="store_true", help="also measure over real sockets (slower)")
    parser.add_argument("--network-seconds", type=float, default=8.0)
    parser.add_argument("--network-rounds", type=int, default=3)
    # internal: the two processes of --network
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--empty", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=8.0, help=argparse.SUPPRESS)
    parser.add_argument("--warmup-seconds", type=float, default=2.0, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.serve or options.drive:
        pin(options.core)
        players = int(options.players)
        if options.serve:
            asyncio.run(serve(players, options.seconds, options.warmup_seconds, options.empty, options.output))
        else:
            asyncio.run(drive(players, options.port, options.seconds))
        return 0
    if options.encodings:
        try:
            figures = compare_encodings()
        except ImportError:
            print("msgpack is not importable: pip install --target /tmp/msgpack msgpack; "
                  "PYTHONPATH=/tmp/msgpack python -m bench.server_tick --encodings", file=sys.stderr)
            return 2
        print(json.dumps(figures, indent=2))
        return 0
    counts = [int(c) for c in options.players.split(",") if c]
    result = run(counts, options.rounds, options.ticks, options.warmup, options.core)
    top = result["players"].get(str(max(counts)))
    p = top["project"]
    verdict = "meets" if max(counts) >= TARGET_PLAYERS and p["p99_ms"] < TARGET_P99_MS else "misses"
    summary = (f"server tick {max(counts)}p x {bench_rules().tick_rate}Hz (1 core, in-process bots): "
               f"p50 {p['p50_ms']:.2f} ms, p99 {p['p99_ms']:.2f} ms ({verdict} < {TARGET_P99_MS:g} ms; "
               f"CPU time p99 {p['cpu_p99_ms']:.2f} ms) = "
               f"{top['ratio_p99']} x empty loop p99 {top['baseline_empty_step']['p99_ms']:.3f} ms; "
               f"{p['bytes_per_player_per_s'] / 1000:.1f} kB/player/s")
    if options.network:
        result["network"] = run_network(counts, options.network_rounds, options.network_seconds, 2.0)
        n = result["network"]["players"][str(max(counts))]["project"]
        summary += (f"; over sockets p99 {n['p99_ms']:.2f} ms, ticks start late p99 {n['late_p99_ms']:.1f} ms, "
                    f"server CPU {n['server_cpu_share_median'] * 100:.0f}%")
    result["summary"] = summary
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(result, indent=2) + "\n")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
