"""The simulation step: shooting, tagging, respawn, shields, teams, slots, and determinism."""

from __future__ import annotations

import random

import pytest

from server.game import (
    EventKind,
    GameFull,
    Motion,
    Phase,
    Rules,
    ShipFlag,
    ShipInput,
    add_player,
    new_world,
    remove_player,
    step,
)
from server.game.model import GameEvent, World
from server.snapshots import world_snapshot

FIRE_RIGHT = ShipInput(aim=0, fire=True)


def duel(teams: tuple[str, ...] = (), team_a: int = -1, team_b: int = -1, **rules: object) -> tuple[World, int, int]:
    """Two ships 200 units apart on a horizontal line, spawn shields down, round running."""
    world = new_world(Rules(**rules), teams)
    a = add_player(world, "a", team_a)
    b = add_player(world, "b", team_b)
    step(world, {})  # WAITING -> PLAYING (respawns everyone)
    assert world.phase is Phase.PLAYING
    a.motion, b.motion = Motion(400.0, 500.0), Motion(600.0, 500.0)
    a.shield_ticks = b.shield_ticks = 0
    return world, a.id, b.id


def run_until(world: World, inputs: dict[int, ShipInput], kind: EventKind, limit: int = 60) -> GameEvent:
    for _ in range(limit):
        for event in step(world, inputs).events:
            if event.kind is kind:
                return event
    raise AssertionError(f"no {kind.name} in {limit} ticks")


def test_a_shot_tags_the_other_ship_and_scores() -> None:
    world, a, b = duel()
    event = run_until(world, {a: FIRE_RIGHT}, EventKind.TAGGED)
    assert event == (EventKind.TAGGED, a, b)
    assert world.ships[a].score == 1 and world.ships[b].deaths == 1
    assert not world.ships[b].alive
    assert world.ships[b].flags == ShipFlag.NONE


def test_a_tagged_ship_respawns_after_the_delay_with_spawn_protection() -> None:
    world, a, b = duel()
    run_until(world, {a: FIRE_RIGHT}, EventKind.TAGGED)
    delay = world.rules.ticks(world.rules.respawn_delay)
    for _ in range(delay - 1):
        assert not any(e.kind is EventKind.RESPAWNED for e in step(world, {}).events)
    assert not world.ships[b].alive
    assert step(world, {}).events == [GameEvent(EventKind.RESPAWNED, b, 0)]
    assert world.ships[b].alive and world.ships[b].flags & ShipFlag.SHIELD


def test_dead_ships_ignore_inputs() -> None:
    world, a, b = duel()
    run_until(world, {a: FIRE_RIGHT}, EventKind.TAGGED)
    where = world.ships[b].motion
    step(world, {b: ShipInput(127, 127, 0, True)})
    assert world.ships[b].motion == where
    assert not any(p.owner == b for p in world.projectiles.values())


def test_fire_rate_is_limited_by_the_cooldown() -> None:
    world, a, _ = duel()
    world.ships[a].motion = Motion(400.0, 100.0)  # out of the line of fire
    for _ in range(30):
        step(world, {a: ShipInput(aim=16384 * 3, fire=True)})  # aim up, into the wall
    fired = world.next_projectile_id - 1
    assert fired == 30 // world.rules.ticks(world.rules.fire_cooldown) + (30 % world.rules.ticks(0.25) > 0)


def test_shots_expire_and_leave_the_arena() -> None:
    world, a, _ = duel()
    world.ships[a].motion = Motion(400.0, 100.0)
    step(world, {a: ShipInput(aim=16384 * 3, fire=True)})
    assert len(world.projectiles) == 1
    for _ in range(world.rules.ticks(world.rules.projectile_lifetime) + 1):
        step(world, {})
    assert not world.projectiles


def test_shield_blocks_the_hit() -> None:
    world, a, b = duel()
    world.ships[b].shield_ticks = 1000
    event = run_until(world, {a: FIRE_RIGHT}, EventKind.BLOCKED)
    assert event == (EventKind.BLOCKED, a, b)
    assert world.ships[b].alive and world.ships[a].score == 0


def test_no_friendly_fire_in_teams_but_enemies_are_tagged() -> None:
    world, a, b = duel(("red", "blue"), 0, 0)
    for _ in range(20):
        assert not step(world, {a: FIRE_RIGHT}).events
    assert world.ships[b].alive
    world, a, b = duel(("red", "blue"), 0, 1)
    run_until(world, {a: FIRE_RIGHT}, EventKind.TAGGED)
    assert world.team_scores == [1, 0]


def test_fast_shots_do_not_tunnel_through_ships() -> None:
    world, a, b = duel(projectile_speed=3000.0)
    world.ships[b].motion = Motion(450.0, 500.0)
    assert run_until(world, {a: FIRE_RIGHT}, EventKind.TAGGED) == (EventKind.TAGGED, a, b)


def test_slots_are_reused_and_the_arena_has_a_limit() -> None:
    world = new_world(Rules(max_players=3))
    ids = [add_player(world, n).id for n in "abc"]
    assert ids == [0, 1, 2]
    with pytest.raises(GameFull):
        add_player(world, "d")
    assert remove_player(world, 1) is not None
    assert remove_player(world, 1) is None
    assert add_player(world, "e").id == 1


def test_leaving_takes_the_shots_in_flight() -> None:
    world, a, b = duel()
    step(world, {a: FIRE_RIGHT})
    assert world.projectiles
    remove_player(world, a)
    assert not world.projectiles
    assert b in world.ships


def test_unknown_team_is_refused() -> None:
    world = new_world(Rules(), ("red",))
    with pytest.raises(ValueError, match="team 3"):
        add_player(world, "x", 3)
    assert add_player(new_world(Rules()), "ffa", 2).team == -1  # free-for-all ignores teams


def bot_inputs(world: World, rng: random.Random) -> dict[int, ShipInput]:
    return {ship_id: ShipInput(rng.randint(-127, 127), rng.randint(-127, 127), rng.randint(0, 65535),
                               rng.random() < 0.4) for ship_id in world.ships}


def play(seed: int, ticks: int = 600) -> World:
    world = new_world(Rules(round_seconds=8, results_seconds=1, rounds=2), ("red", "blue"))
    for i in range(8):
        add_player(world, f"p{i}", i % 2)
    rng = random.Random(seed)
    for _ in range(ticks):
        step(world, bot_inputs(world, rng))
    return world


def test_the_same_inputs_give_the_same_world() -> None:
    one, two = play(7), play(7)
    assert world_snapshot(one) == world_snapshot(two)
    assert one.last_results == two.last_results
    assert one.tick == 600 and sum(s.deaths for s in one.ships.values()) + sum(one.team_scores) >= 0
    assert world_snapshot(play(8)).ships != world_snapshot(one).ships


def test_spawns_keep_ships_apart() -> None:
    world = new_world(Rules(max_players=16))
    ships = [add_player(world, str(i)) for i in range(15)]
    points = {(s.motion.x, s.motion.y) for s in ships}
    assert len(points) == 15
