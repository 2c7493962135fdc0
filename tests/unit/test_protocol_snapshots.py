"""Snapshots on the wire: full and delta encoding, applying deltas, and the server's choice of base."""

from __future__ import annotations

import dataclasses

import pytest

from server import protocol as p
from server.game.model import EventKind, GameEvent, Phase, PickupKind
from server.snapshots import DeltaTracker, SnapshotFrames


def ship(x: float = 100.0, y: float = 200.0, **changes: object) -> p.ShipState:
    return p.ShipState(x, y, 12.5, -3.0625, 1000, 1, 0, 0)._replace(**changes)


def base_snapshot() -> p.Snapshot:
    return p.Snapshot(
        tick=10, phase=Phase.PLAYING, round=1, time_left_ticks=5000,
        ships={0: ship(), 1: ship(300.0, 400.0, flags=3), 2: ship(50.0, 60.0)},
        projectiles={5: p.ProjectileState(0, 120.5, 200.0, 760.0, 0.0, 9),
                     6: p.ProjectileState(1, 300.0, 380.0, 0.0, -760.0, 10)},
        pickups={0: p.PickupState(PickupKind.SHIELD, 400.0, 250.0, True),
                 1: p.PickupState(PickupKind.SPEED, 1200.0, 250.0, True)},
        team_scores={0: 3, 1: 5},
    )


def next_snapshot(base: p.Snapshot) -> p.Snapshot:
    """Ship 0 moved, ship 1 scored, ship 2 left, ship 3 joined; a shot landed and one was fired; a pickup taken."""
    ships = dict(base.ships)
    ships[0] = ships[0]._replace(x=101.0, y=199.5)
    ships[1] = ships[1]._replace(score=1)
    del ships[2]
    ships[3] = ship(800.0, 900.0)
    projectiles = {5: base.projectiles[5], 7: p.ProjectileState(3, 820.0, 900.0, -760.0, 0.0, 12)}
    pickups = dict(base.pickups)
    pickups[0] = pickups[0]._replace(active=False)
    return dataclasses.replace(base, tick=12, time_left_ticks=4998, ships=ships, projectiles=projectiles,
                               pickups=pickups, team_scores={0: 3, 1: 6},
                               events=(GameEvent(EventKind.TAGGED, 1, 2), GameEvent(EventKind.PICKUP, 0, 1)))


def same_state(a: p.Snapshot, b: p.Snapshot) -> bool:
    keys = ("tick", "phase", "round", "time_left_ticks", "ships", "projectiles", "pickups", "team_scores", "events")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def test_full_snapshot_round_trips() -> None:
    snap = base_snapshot()
    delta = p.snapshot_delta(snap, None, ack_seq=77)
    assert delta.full and delta.base_tick == 0
    decoded = delta.apply(None)
    assert same_state(decoded, snap)
    assert decoded.ack_seq == 77


def test_delta_carries_only_what_changed_and_rebuilds_the_snapshot() -> None:
    base, snap = base_snapshot(), next_snapshot(base_snapshot())
    delta = p.snapshot_delta(snap, base, ack_seq=9)
    assert delta.base_tick == 10
    assert {d.id: d.mask for d in delta.ships} == {0: p.SHIP_POS, 1: p.SHIP_SCORE, 3: p.SHIP_ALL}
    assert delta.ships_removed == (2,)
    assert set(delta.projectiles_added) == {7} and delta.projectiles_removed == (6,)
    assert set(delta.pickups) == {0} and delta.team_scores == {1: 6}
    assert same_state(delta.apply(base), snap)
    assert len(p.encode_snapshot(snap, base, 9)) < len(p.encode_snapshot(snap, None, 9))


def test_unchanged_world_is_a_tiny_delta() -> None:
    base = base_snapshot()
    same = dataclasses.replace(base, tick=11)
    frame = p.encode_snapshot(same, base, 1)
    assert len(frame) == 13 + 4 + 9  # header, phase/round/time, seven empty counts (two of them u16)
    assert same_state(p.decode_server(frame).apply(base), same)


def test_delta_without_its_base_is_refused() -> None:
    base, snap = base_snapshot(), next_snapshot(base_snapshot())
    delta = p.snapshot_delta(snap, base)
    with pytest.raises(p.DeltaBaseMissing):
        delta.apply(None)
    with pytest.raises(p.DeltaBaseMissing):
        delta.apply(dataclasses.replace(base, tick=9))


def test_partial_update_of_a_ship_the_base_lacks_is_malformed() -> None:
    base, snap = base_snapshot(), next_snapshot(base_snapshot())
    delta = p.snapshot_delta(snap, base)
    thinner = dataclasses.replace(base, ships={k: v for k, v in base.ships.items() if k != 0})
    with pytest.raises(p.MalformedMessage, match="ship 0"):
        delta.apply(thinner)


def test_bad_ship_mask_is_malformed() -> None:
    frame = bytearray(p.encode_snapshot(base_snapshot(), None, 0))
    frame[13 + 4 + 1 + 1] = 0x40  # first ship's mask
    with pytest.raises(p.MalformedMessage, match="mask"):
        p.decode_server(bytes(frame))


def test_out_of_range_values_cannot_be_encoded() -> None:
    snap = dataclasses.replace(base_snapshot(), ships={0: ship(x=5000.0)})
    with pytest.raises(p.EncodeError, match="snapshot 10"):
        p.encode_snapshot(snap, None, 0)


def test_history_applies_a_stream_and_forgets_old_snapshots() -> None:
    history = p.SnapshotHistory(size=3)
    assert history.ack_tick == 0
    base = base_snapshot()
    assert same_state(history.receive(p.snapshot_delta(base, None)), base)
    snap = next_snapshot(base)
    assert same_state(history.receive(p.snapshot_delta(snap, base)), snap)
    assert history.ack_tick == 12
    for tick in (13, 14, 15):
        history.receive(p.snapshot_delta(dataclasses.replace(snap, tick=tick), snap))
    assert history.get(10) is None and history.get(12) is None and history.get(15) is not None
    with pytest.raises(p.DeltaBaseMissing):
        history.receive(p.snapshot_delta(dataclasses.replace(snap, tick=16), snap))


def test_tracker_deltas_only_against_acked_snapshots() -> None:
    tracker = DeltaTracker(history=4)
    assert tracker.base() is None
    snaps = [dataclasses.replace(base_snapshot(), tick=t) for t in range(1, 8)]
    tracker.record(snaps[0])
    tracker.ack(99)  # never sent: ignored
    assert tracker.base() is None
    tracker.ack(1)
    assert tracker.base() is snaps[0]
    for s in snaps[1:4]:
        tracker.record(s)
    tracker.ack(3)
    assert tracker.base() is snaps[2]
    tracker.ack(2)  # older than what is acked: ignored
    assert tracker.base() is snaps[2]
    for s in snaps[4:7]:  # the client stops acking: the base falls out of the history
        tracker.record(s)
    assert tracker.base() is None


def test_frames_share_one_body_per_base() -> None:
    base, snap = base_snapshot(), next_snapshot(base_snapshot())
    frames = SnapshotFrames(snap)
    a, b, full = frames.frame(base, 1), frames.frame(base, 2), frames.frame(None, 3)
    assert frames.encodings == 2
    assert a[13:] == b[13:] and a[:13] != b[:13]
    assert p.decode_server(b).ack_seq == 2
    assert same_state(p.decode_server(full).apply(None), snap)
