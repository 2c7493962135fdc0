"""Pickups: shield and speed, their durations, and their respawn."""

from __future__ import annotations

from server.game import EventKind, Motion, PickupKind, Rules, ShipFlag, ShipInput, add_player, new_world, step


def setup(kind: PickupKind):
    world = new_world(Rules())
    ship = add_player(world, "a")
    step(world, {})
    ship.shield_ticks = 0
    pickup = next(p for p in world.pickups if p.kind is kind)
    return world, ship, pickup


def test_layout_is_symmetric() -> None:
    world = new_world(Rules())
    kinds = [p.kind for p in world.pickups]
    assert kinds.count(PickupKind.SHIELD) == kinds.count(PickupKind.SPEED) == 3


def test_shield_pickup() -> None:
    world, ship, pickup = setup(PickupKind.SHIELD)
    ship.motion = Motion(pickup.x, pickup.y)
    events = step(world, {}).events
    assert (EventKind.PICKUP, ship.id, PickupKind.SHIELD) in events
    assert ship.flags & ShipFlag.SHIELD and not pickup.active
    for _ in range(world.rules.ticks(world.rules.shield_duration)):
        step(world, {})
    assert not ship.flags & ShipFlag.SHIELD


def test_speed_pickup_raises_top_speed_while_it_lasts() -> None:
    world, ship, pickup = setup(PickupKind.SPEED)
    ship.motion = Motion(pickup.x, pickup.y)
    step(world, {})
    assert ship.flags & ShipFlag.BOOST
    ship.motion = Motion(100.0, 500.0)
    for _ in range(60):
        step(world, {ship.id: ShipInput(127, 0)})
    assert ship.motion.vx == world.rules.ship_max_speed * world.rules.boost_factor
    for _ in range(world.rules.ticks(world.rules.boost_duration)):
        step(world, {ship.id: ShipInput(-127, 0)})
    for _ in range(60):
        step(world, {ship.id: ShipInput(127, 0)})
    assert ship.motion.vx == world.rules.ship_max_speed


def test_pickup_comes_back_after_its_respawn_time() -> None:
    world, ship, pickup = setup(PickupKind.SHIELD)
    ship.motion = Motion(pickup.x, pickup.y)
    step(world, {})
    ship.motion = Motion(100.0, 100.0)
    for _ in range(world.rules.ticks(world.rules.pickup_respawn)):
        assert not pickup.active
        step(world, {})
    assert pickup.active


def test_dead_ships_take_nothing() -> None:
    world, ship, pickup = setup(PickupKind.SPEED)
    ship.alive, ship.respawn_ticks = False, 1000
    ship.motion = Motion(pickup.x, pickup.y)
    step(world, {})
    assert pickup.active
