"""Retention of ended game sessions: the sweep queue, the index and player-session removal, the log zips.

The session services run in the harness of ``test_session_services`` (fake fleets, manual clock).
"""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from infra.emulator.clock import ManualClock, Scheduler
from infra.emulator.errors import LimitExceededException, NotFoundException
from infra.emulator.fleets import logs
from infra.emulator.sessions.creation_limits import CreationLimit, CreatorLimiter
from infra.emulator.sessions.retention import RetentionQueue
from infra.emulator.sessions.session_index import SessionIndex
from tests.unit.test_session_index import Session, change
from tests.unit.test_session_services import FakeFleet, Harness

DAY = 24 * 3600.0

# -- the sweep queue ------------------------------------------------------------------------------------------------


def make_queue() -> tuple[Scheduler, RetentionQueue, list[tuple[float, str]]]:
    clock = ManualClock(1000.0)
    scheduler = Scheduler(clock)
    swept: list[tuple[float, str]] = []
    queue = RetentionQueue(scheduler, lambda key: swept.append((clock.now(), key)))
    return scheduler, queue, swept


def test_one_timer_sweeps_every_key_at_its_due_time() -> None:
    scheduler, queue, swept = make_queue()
    for i in range(1000):
        queue.add(f"k{i}", 1100.0 + i // 10)  # ten keys share each due second
    assert scheduler.pending() == 1
    scheduler.advance(99.5)
    assert swept == []
    scheduler.advance(0.5)
    assert swept == [(1100.0, f"k{i}") for i in range(10)]
    scheduler.advance(100)
    assert [key for _, key in swept] == [f"k{i}" for i in range(1000)]
    assert all(when == 1100.0 + int(key[1:]) // 10 for when, key in swept)
    assert len(queue) == 0 and scheduler.pending() == 0
    queue.add("late", 1500.0)
    assert scheduler.pending() == 1


def test_sweep_now_takes_what_fell_due_and_arms_for_the_rest() -> None:
    scheduler, queue, swept = make_queue()
    queue.extend([(900.0, "long-due"), (1000.0, "due-now"), (1050.0, "later")])
    assert scheduler.pending() == 0
    assert queue.sweep() == 2
    assert [key for _, key in swept] == ["long-due", "due-now"]
    assert scheduler.pending() == 1
    scheduler.advance(50)
    assert swept[-1] == (1050.0, "later")
    assert scheduler.pending() == 0


def test_a_failing_key_does_not_strand_the_rest() -> None:
    clock = ManualClock(0.0)
    scheduler = Scheduler(clock)
    seen: list[str] = []

    def on_due(key: str) -> None:
        seen.append(key)
        if key == "bad":
            raise RuntimeError("boom")

    queue = RetentionQueue(scheduler, on_due)
    for key in ("a", "bad", "b"):
        queue.add(key, 10.0)
    scheduler.advance(10)
    assert seen == ["a", "bad", "b"]


def test_clear_cancels_the_timer() -> None:
    scheduler, queue, swept = make_queue()
    queue.add("k", 1010.0)
    queue.clear()
    scheduler.advance(100)
    assert swept == [] and scheduler.pending() == 0


# -- the index --------------------------------------------------------------------------------------------------


def test_index_remove_forgets_buckets_tallies_and_the_listing() -> None:
    index: SessionIndex[Session] = SessionIndex()
    a, b, c = Session("a"), Session("b", location="eu-west-1"), Session("c")
    for s in (a, b, c):
        index.add(s)
    assert [s.game_session_id for s in index.query("fleet-a")] == ["a", "b", "c"]  # the listing is built
    change(index, b, status="TERMINATED")
    index.remove(b)
    assert [s.game_session_id for s in index.query("fleet-a")] == ["a", "c"]
    assert index.query("fleet-a", "eu-west-1") == []
    assert index.query("fleet-a", status="TERMINATED") == []
    assert index.utilization("fleet-a")["active_game_sessions"] == 2
    index.remove(b)  # twice: nothing happens
    d = Session("d")
    index.add(d)
    assert [s.game_session_id for s in index.query("fleet-a")] == ["a", "c", "d"]
    for s in (a, c, d):
        change(index, s, status="TERMINATED")
        index.remove(s)
    assert index.query("fleet-a") == [] and index.utilization("fleet-a")["maximum_player_sessions"] == 0
    assert not index._by_fleet and not index._by_status and not index._by_location_status and not index._tallies


# -- the creator limiter ------------------------------------------------------------------------------------------


def test_prune_drops_only_what_check_would() -> None:
    limiter = CreatorLimiter()
    limit = CreationLimit(sessions=2, period_seconds=100.0, from_policy=True)
    limiter.record("f", "alice", 0.0)
    limiter.record("f", "alice", 50.0)
    limiter.prune("f", "alice", 120.0, limit)  # the first creation is out of the window, the second is not
    limiter.check("f", "alice", 120.0, limit)  # one in the window: a second is allowed
    limiter.record("f", "alice", 120.0)
    with pytest.raises(LimitExceededException):
        limiter.check("f", "alice", 130.0, limit)
    limiter.prune("f", "alice", 1000.0, limit)
    assert not limiter._times
    limiter.prune("f", "nobody", 1000.0, limit)


# -- the services -----------------------------------------------------------------------------------------------


@pytest.fixture
def emu(tmp_path: Path) -> Harness:
    harness = Harness(str(tmp_path / "state.db"))
    harness.config.data_dir = str(tmp_path / "data")
    harness.fleets.add(FakeFleet("fleet-a"), processes=3)
    return harness


def test_a_purge_leaves_no_trace_in_the_services_or_the_store(emu: Harness, tmp_path: Path) -> None:
    games, players = emu.game_sessions, emu.player_sessions
    gone = emu.active(IdempotencyToken="tok", CreatorId="alice")
    kept = emu.active()
    players.create(gone.game_session_id, [("ana", None), ("bo", None)])
    players.create(kept.game_session_id, [("bo", None)])
    assert len(players.describe(player_id="bo")[0]) == 2  # builds the by-player index
    games.process_ending(gone.game_session_id)
    emu.store.commit()
    emu.advance(30 * DAY - 1)
    assert games.find(gone.game_session_id) is gone
    emu.advance(1)
    assert games.find(gone.game_session_id) is None
    assert games.count() == 1 and players.count() == 1
    assert [s.player_id for s in players.describe(player_id="bo")[0]] == ["bo"]
    assert players.describe(player_id="ana")[0] == []
    assert games._tokens == {} and games._limiter._times == {}
    assert [s.game_session_id for s in games.describe(fleet_id="fleet-a")[0]] == [kept.game_session_id]
    emu.store.commit()
    assert emu.store.counts() == {"game_session": 1, "player_session": 1}

    # A restart on the same database knows nothing of it either.
    emu.store.close()
    again = Harness(str(tmp_path / "state.db"), start=emu.clock.now())
    again.fleets.add(FakeFleet("fleet-a"), processes=2)
    with pytest.raises(NotFoundException):
        again.game_sessions.get(gone.game_session_id)
    assert again.game_sessions.count() == 1 and again.player_sessions.count() == 1


def test_resume_deletes_what_fell_due_while_down(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    first = Harness(db)
    first.fleets.add(FakeFleet("fleet-a"), processes=3)
    old, recent = first.active(), first.active()
    first.game_sessions.process_ending(old.game_session_id)
    first.advance(10 * DAY)
    first.game_sessions.process_ending(recent.game_session_id)
    first.store.commit()
    first.store.close()

    # Down for 25 days: the old session ended 35 days ago, the recent one 25.
    second = Harness(db, start=first.clock.now() + 25 * DAY)
    second.config.data_dir = str(tmp_path / "data")
    second.fleets.add(FakeFleet("fleet-a"), processes=3)
    assert second.game_sessions.count() == 2
    second.game_sessions.resume()
    assert second.game_sessions.find(old.game_session_id) is None
    assert second.game_sessions.find(recent.game_session_id) is not None
    assert second.scheduler.pending() == 1  # the recent session's deletion, armed
    second.advance(5 * DAY)
    assert second.game_sessions.count() == 0


def test_log_zips_are_deleted_at_14_days_and_with_the_session(emu: Harness, tmp_path: Path) -> None:
    root = tmp_path / "data" / "logs" / "game-sessions"
    games = emu.game_sessions
    emu.fleets.add(emu.fleets.fleets["fleet-a"], processes=1, location="eu-west-1")
    a, b = emu.active(), emu.active(Location="eu-west-1")
    zips = {}
    for session in (a, b):
        zips[session.game_session_id] = plant(root, session.game_session_id)
        games.process_ending(session.game_session_id)
    assert games.keeps_logs(a.game_session_id)
    emu.advance(14 * DAY - 1)
    assert all(z.exists() for z in zips.values())
    emu.advance(1)
    assert not any(z.exists() for z in zips.values())
    assert not games.keeps_logs(a.game_session_id)
    assert root.is_dir() and list(root.iterdir()) == []  # the fleet and location folders went with them
    assert games.find(a.game_session_id) is not None

    # Logs kept longer than the session: they go with the session.
    emu.config.game_session_log_retention_seconds = 60 * DAY
    c = emu.active()
    late = plant(root, c.game_session_id)
    games.process_ending(c.game_session_id)
    emu.advance(30 * DAY)
    assert games.find(c.game_session_id) is None and not late.exists()
    assert not games.keeps_logs(c.game_session_id)
    emu.advance(30 * DAY)  # its log entry comes due with nothing left to do


def plant(root: Path, game_session_id: str) -> Path:
    key = logs.relative_key(game_session_id)
    assert key is not None
    target = root / f"{key}.zip"
    return logs.write_zip(target, [])


def test_logs_remove(tmp_path: Path) -> None:
    root = tmp_path / "game-sessions"
    gsid = "arn:aws:gamelift:us-west-2::gamesession/fleet-a/eu-west-1/gsess-1"
    sibling = "arn:aws:gamelift:us-west-2::gamesession/fleet-a/gsess-2"
    first, second = plant(root, gsid), plant(root, sibling)
    assert zipfile.ZipFile(first).namelist() == [logs.MANIFEST]
    assert logs.remove(root, gsid)
    assert not first.exists() and not first.parent.exists() and second.exists()  # fleet-a still holds gsess-2
    assert not logs.remove(root, gsid)
    assert logs.remove(root, sibling)
    assert root.is_dir() and list(root.iterdir()) == []
    assert not logs.remove(root, "not-an-arn")
    assert not logs.remove(root, "arn:aws:gamelift:us-west-2::gamesession/../../etc/passwd")


def test_a_zip_written_after_its_session_was_deleted_is_removed(tmp_path: Path) -> None:
    """A process exiting after its session's retention ran out (the manual clock jumped) leaves no orphan zip."""
    wanted = {"arn:aws:gamelift:us-west-2::gamesession/fleet-a/gsess-kept"}
    sessions = SimpleNamespace(keeps_logs=lambda gsid: gsid in wanted)
    emulator = SimpleNamespace(config=SimpleNamespace(data_dir=str(tmp_path)), game_sessions=sessions)
    collector = logs.LogCollector(emulator)  # type: ignore[arg-type]
    source = tmp_path / "stdout.log"
    source.write_text("hello\n")

    async def collect(gsid: str) -> Path | None:
        return await collector.collect(gsid, [(source, "stdout.log")])

    kept = asyncio.run(collect("arn:aws:gamelift:us-west-2::gamesession/fleet-a/gsess-kept"))
    assert kept is not None and kept.exists()
    dropped = asyncio.run(collect("arn:aws:gamelift:us-west-2::gamesession/fleet-a/gsess-gone"))
    assert dropped is None
    assert [p.name for p in collector.root.rglob("*.zip")] == ["gsess-kept.zip"]
    collector.reset()
    assert not collector.root.exists()
