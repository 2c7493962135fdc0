"""Ship movement: the function the client also runs to predict its ship, so it must be exact and deterministic."""

from __future__ import annotations

import math
import random

from server.game import Motion, Rules, ShipInput, add_player, advance_motion, new_world, step, thrust
from server.game.units import POSITION_SCALE, VELOCITY_SCALE, aim_to_radians, radians_to_aim

RULES = Rules()
CENTRE = Motion(800.0, 500.0)


def run(inputs: list[tuple[int, int]], boosted: bool = False, start: Motion = CENTRE) -> Motion:
    motion = start
    for move_x, move_y in inputs:
        motion = advance_motion(motion, move_x, move_y, RULES, boosted)
    return motion


def test_thrust_is_capped_at_unit_length() -> None:
    assert thrust(127, 0) == (1.0, 0.0)
    fx, fy = thrust(127, 127)
    assert math.isclose(fx * fx + fy * fy, 1.0)
    assert thrust(64, 0) == (64 / 127, 0.0)
    assert thrust(500, -500) == thrust(127, -127)  # out-of-range axes are clamped first


def test_thrust_accelerates_and_drag_stops() -> None:
    moving = run([(127, 0)] * 10)
    assert moving.x > 800.0 and moving.vx > 0 and moving.y == 500.0
    coasting = run([(0, 0)] * 120, start=moving)
    assert coasting.vx == 0.0
    assert coasting.x > moving.x


def test_top_speed_and_boost() -> None:
    full = run([(127, 0)] * 90, start=Motion(100.0, 500.0))
    assert full.vx == RULES.ship_max_speed
    boosted = run([(127, 0)] * 60, boosted=True, start=Motion(100.0, 500.0))
    assert boosted.vx == RULES.ship_max_speed * RULES.boost_factor


def test_walls_stop_the_ship_inside_the_arena() -> None:
    corner = run([(-127, -127)] * 200)
    assert (corner.x, corner.y) == (RULES.ship_radius, RULES.ship_radius)
    assert (corner.vx, corner.vy) == (0.0, 0.0)
    far = run([(127, 127)] * 300)
    assert (far.x, far.y) == (RULES.arena_width - RULES.ship_radius, RULES.arena_height - RULES.ship_radius)


def test_results_are_on_the_wire_grid() -> None:
    rng = random.Random(4)
    motion = Motion(800.0, 500.0)
    for _ in range(500):
        motion = advance_motion(motion, rng.randint(-127, 127), rng.randint(-127, 127), RULES, rng.random() < 0.2)
        assert (motion.x * POSITION_SCALE).is_integer() and (motion.y * POSITION_SCALE).is_integer()
        assert (motion.vx * VELOCITY_SCALE).is_integer() and (motion.vy * VELOCITY_SCALE).is_integer()


def test_same_inputs_same_motion() -> None:
    rng = random.Random(9)
    inputs = [(rng.randint(-127, 127), rng.randint(-127, 127)) for _ in range(300)]
    assert run(inputs) == run(list(inputs))


def test_client_prediction_matches_the_server_exactly() -> None:
    """Reset to the server's state at some tick, replay later inputs with advance_motion: same motion as the
    server's after those inputs (what reconciliation relies on)."""
    world = new_world(Rules(min_players=1))
    ship = add_player(world, "pilot")
    ship.shield_ticks = 0
    rng = random.Random(2)
    inputs = [ShipInput(rng.randint(-127, 127), rng.randint(-127, 127), rng.randint(0, 65535)) for _ in range(60)]
    history = []
    for command in inputs:
        step(world, {ship.id: command})
        history.append(ship.motion)
    acked = 20
    predicted = history[acked - 1]
    for command in inputs[acked:]:
        predicted = advance_motion(predicted, command.move_x, command.move_y, world.rules)
    assert predicted == ship.motion


def test_aim_units() -> None:
    assert radians_to_aim(0.0) == 0
    assert radians_to_aim(math.pi / 2) == 16384
    assert radians_to_aim(-math.pi / 2) == 49152
    assert math.isclose(aim_to_radians(32768), math.pi)
