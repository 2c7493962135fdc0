"""The game session index: buckets by fleet/location/status and utilization tallies kept by difference."""

from __future__ import annotations

from dataclasses import dataclass

from infra.emulator.sessions.session_index import SessionIndex, contribution


@dataclass
class Session:
    game_session_id: str
    fleet_id: str = "fleet-a"
    location: str = "us-west-2"
    status: str = "ACTIVATING"
    compute_name: str | None = "i-1"
    current_player_session_count: int = 0
    maximum_player_session_count: int = 4


def change(index: SessionIndex[Session], session: Session, **updates: object) -> None:
    before_status, before = session.status, contribution(session)
    for key, value in updates.items():
        setattr(session, key, value)
    index.changed(session, before_status, before)


def test_query_by_status_and_location_follows_changes() -> None:
    index: SessionIndex[Session] = SessionIndex()
    a, b, c = Session("a"), Session("b", location="us-east-1"), Session("c", fleet_id="fleet-b")
    for s in (a, b, c):
        index.add(s)
    assert [s.game_session_id for s in index.query("fleet-a")] == ["a", "b"]
    assert [s.game_session_id for s in index.query("fleet-a", status="ACTIVATING")] == ["a", "b"]
    change(index, a, status="ACTIVE")
    assert [s.game_session_id for s in index.query("fleet-a", status="ACTIVE")] == ["a"]
    assert [s.game_session_id for s in index.query("fleet-a", status="ACTIVATING")] == ["b"]
    assert [s.game_session_id for s in index.query("fleet-a", "us-east-1")] == ["b"]
    assert [s.game_session_id for s in index.query("fleet-a", "us-east-1", "ACTIVATING")] == ["b"]
    assert index.query("fleet-a", "us-east-1", "ACTIVE") == []
    assert index.query("fleet-x") == []
    # The unfiltered listing keeps creation order whatever the statuses do.
    change(index, b, status="ACTIVE")
    assert [s.game_session_id for s in index.query("fleet-a")] == ["a", "b"]


def test_utilization_counts_sessions_holding_a_process() -> None:
    index: SessionIndex[Session] = SessionIndex()
    a, b = Session("a", maximum_player_session_count=8), Session("b", location="us-east-1")
    index.add(a)
    index.add(b)
    assert index.utilization("fleet-a") == {
        "active_game_sessions": 2,
        "current_player_sessions": 0,
        "maximum_player_sessions": 12,
    }
    change(index, a, status="ACTIVE", current_player_session_count=3)
    assert index.utilization("fleet-a", "us-west-2") == {
        "active_game_sessions": 1,
        "current_player_sessions": 3,
        "maximum_player_sessions": 8,
    }
    change(index, a, status="TERMINATING")
    assert index.utilization("fleet-a")["current_player_sessions"] == 3
    change(index, a, status="TERMINATED", current_player_session_count=0)
    assert index.utilization("fleet-a") == {
        "active_game_sessions": 1,
        "current_player_sessions": 0,
        "maximum_player_sessions": 4,
    }
    assert index.utilization("fleet-none")["active_game_sessions"] == 0


def test_activating_sessions_are_counted_per_compute() -> None:
    index: SessionIndex[Session] = SessionIndex()
    a, b, c = Session("a"), Session("b"), Session("c", compute_name="i-2")
    for s in (a, b, c):
        index.add(s)
    assert index.activating_on("fleet-a", "i-1") == 2
    change(index, a, status="ACTIVE")
    assert index.activating_on("fleet-a", "i-1") == 1
    change(index, b, status="TERMINATED")
    assert index.activating_on("fleet-a", "i-1") == 0
    assert index.activating_on("fleet-a", "i-2") == 1


def test_in_statuses_and_clear() -> None:
    index: SessionIndex[Session] = SessionIndex()
    a, b = Session("a"), Session("b", status="TERMINATED")
    index.add(a)
    index.add(b)
    assert [s.game_session_id for s in index.in_statuses("fleet-a", ("ACTIVATING", "ACTIVE"))] == ["a"]
    index.clear()
    assert index.query("fleet-a") == []
    assert index.utilization("fleet-a")["active_game_sessions"] == 0
