"""The bots' steering AI, by table: what a bot does in a handful of situations."""

from __future__ import annotations

import math

import pytest

from client.steering import Body, Field, Pilot, lead_angle, wall_push

ARENA = Field(1600, 1000, projectile_speed=760, fire_range=500)


def pilot() -> Pilot:
    return Pilot(seed=7)


def towards(intent_x: float, intent_y: float, dx: float, dy: float) -> float:
    """Cosine between the move and a direction."""
    norm = math.hypot(intent_x, intent_y) * math.hypot(dx, dy)
    return 0.0 if norm == 0 else (intent_x * dx + intent_y * dy) / norm


def test_a_far_target_is_approached_and_not_shot_at() -> None:
    me, target = Body(1, 400, 500), Body(2, 1200, 500)
    intent = pilot().decide(me, [target], [], ARENA)
    assert towards(intent.move_x, intent.move_y, 1, 0) > 0.5
    assert not intent.fire


def test_a_target_in_range_is_shot_at() -> None:
    me, target = Body(1, 700, 500), Body(2, 1000, 500)
    intent = pilot().decide(me, [target], [], ARENA)
    assert intent.fire
    assert abs(math.remainder(intent.aim - 0.0, 2 * math.pi)) < 0.05


def test_a_target_too_close_is_backed_away_from() -> None:
    me, target = Body(1, 800, 500), Body(2, 850, 500)
    intent = pilot().decide(me, [target], [], ARENA)
    assert towards(intent.move_x, intent.move_y, 1, 0) < 0


def test_a_moving_target_is_led() -> None:
    me, target = Body(1, 500, 500), Body(2, 900, 500, vx=0, vy=200)
    aim = lead_angle(me, target, ARENA.projectile_speed)
    assert 0.05 < aim < math.pi / 4  # ahead of it (downwards), not at it


def test_teammates_are_not_targets() -> None:
    me, friend = Body(1, 700, 500, team=0), Body(2, 900, 500, team=0)
    intent = pilot().decide(me, [friend], [], ARENA)
    assert not intent.fire


def test_tagged_ships_are_not_targets() -> None:
    me, dead = Body(1, 700, 500), Body(2, 900, 500, alive=False)
    assert not pilot().decide(me, [dead], [], ARENA).fire


def test_a_near_pickup_is_worth_a_detour() -> None:
    me, target, pickup = Body(1, 500, 500), Body(2, 1300, 500), Body(9, 500, 400)
    intent = pilot().decide(me, [target], [pickup], ARENA)
    assert towards(intent.move_x, intent.move_y, 0, -1) > 0.8


def test_a_ship_that_turns_slowly_holds_fire_until_it_points_at_the_target() -> None:
    me, target = Body(1, 700, 500, angle=math.pi), Body(2, 1000, 500)
    assert not pilot().decide(me, [target], [], ARENA).fire


@pytest.mark.parametrize(
    ("x", "y", "away"),
    [(10, 500, (1, 0)), (1590, 500, (-1, 0)), (800, 5, (0, 1)), (800, 995, (0, -1))],
)
def test_walls_push_the_bot_back_into_the_arena(x: float, y: float, away: tuple[int, int]) -> None:
    push = wall_push(Body(1, x, y), ARENA, 60)
    assert towards(*push, *away) > 0.99
    intent = pilot().decide(Body(1, x, y), [], [], ARENA)
    assert towards(intent.move_x, intent.move_y, *away) > 0


def test_alone_a_bot_wanders_and_never_asks_for_more_than_full_thrust() -> None:
    p = pilot()
    me = Body(1, 800, 500)
    intents = [p.decide(me, [], [], ARENA) for _ in range(50)]
    assert all(math.hypot(i.move_x, i.move_y) <= 1.0 + 1e-9 for i in intents)
    assert all(not i.fire for i in intents)
    assert len({(round(i.move_x, 3), round(i.move_y, 3)) for i in intents}) > 5


def test_the_same_seed_flies_the_same_way() -> None:
    me, target = Body(1, 500, 500), Body(2, 900, 600, vx=40)
    a = [Pilot(seed=3).decide(me, [target], [], ARENA) for _ in range(3)]
    b = [Pilot(seed=3).decide(me, [target], [], ARENA) for _ in range(3)]
    assert a == b
