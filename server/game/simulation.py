"""The arena's rules as one fixed-step function over a :class:`World`: no clock, no sockets, no randomness.

``step(world, inputs)`` advances the world by exactly one tick of ``world.rules.dt`` seconds. The tick length is
part of the rules rather than an argument, because a client predicting its ship must use the very same step: a
variable dt is how prediction drifts. Given the same world and the same inputs, ``step`` produces the same world on
any machine (see tests/unit/test_game_simulation.py), which also makes every rule testable by table.

One tick, in order:
1. timers run down; tagged ships whose delay is over respawn (at the spawn point farthest from other ships);
2. each living ship applies its input: movement (:func:`server.game.movement.advance_motion`), aim, and a shot if
   the trigger is held and the gun has cooled down;
3. projectiles move; one that reaches a ship of another team (or anyone, in free-for-all) tags it, unless a shield
   stops it; projectiles expire after their lifetime or at the arena's edge;
4. ships touching an active pickup take it (shield: hits are blocked; speed: more thrust and top speed);
5. the round clock: WAITING -> PLAYING once enough players are in; PLAYING -> RESULTS (or OVER after the last
   round) when time is up; RESULTS -> PLAYING for the next round.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from server.game.model import (
    Cosmetic,
    EventKind,
    GameEvent,
    Motion,
    Phase,
    Pickup,
    PickupKind,
    PlayerResult,
    Projectile,
    RoundResults,
    Ship,
    World,
)
from server.game.movement import IDLE, ShipInput, advance_motion
from server.game.rules import Rules
from server.game.units import aim_to_radians, quantize_position, quantize_velocity

MAX_SHIP_ID = 254  # ids are one byte on the wire; 255 is kept free
_GRID = 64.0  # spatial hash cell for hit tests: larger than a projectile's step plus both radii


class GameFull(Exception):
    """No free slot: the session has rules.max_players ships already."""


@dataclass
class TickOutcome:
    """What one step produced besides the new world: events for the kill feed, and round transitions for the
    server to announce (RoundStart / RoundEnd messages)."""

    events: list[GameEvent] = field(default_factory=list)
    round_started: int = 0  # the round number that began this tick, or 0
    round_ended: RoundResults | None = None


def new_world(rules: Rules | None = None, teams: tuple[str, ...] = ()) -> World:
    rules = rules or Rules()
    world = World(rules=rules, teams=tuple(teams), team_scores=[0] * len(teams))
    world.pickups = pickup_layout(rules)
    return world


def pickup_layout(rules: Rules) -> list[Pickup]:
    """Six pickups placed symmetrically, so no spawn corner is favoured."""
    w, h = rules.arena_width, rules.arena_height
    spots = [
        (PickupKind.SHIELD, 0.25, 0.25), (PickupKind.SHIELD, 0.75, 0.75),
        (PickupKind.SPEED, 0.75, 0.25), (PickupKind.SPEED, 0.25, 0.75),
        (PickupKind.SHIELD, 0.5, 0.12), (PickupKind.SPEED, 0.5, 0.88),
    ]
    return [Pickup(i, kind, quantize_position(w * fx), quantize_position(h * fy)) for i, (kind, fx, fy)
            in enumerate(spots)]


def spawn_points(rules: Rules) -> list[tuple[float, float]]:
    w, h = rules.arena_width, rules.arena_height
    fractions = [(0.08, 0.1), (0.92, 0.9), (0.92, 0.1), (0.08, 0.9), (0.5, 0.5), (0.3, 0.5), (0.7, 0.5),
                 (0.5, 0.3), (0.5, 0.7), (0.08, 0.5), (0.92, 0.5), (0.3, 0.1), (0.7, 0.9), (0.7, 0.1), (0.3, 0.9)]
    return [(quantize_position(w * fx), quantize_position(h * fy)) for fx, fy in fractions]


def _spawn_point(world: World, exclude: int) -> tuple[float, float]:
    """The spawn point farthest from every other living ship (the first such point on a tie)."""
    others = [s.motion for s in world.ships.values() if s.alive and s.id != exclude]
    best, best_distance = None, -1.0
    for x, y in spawn_points(world.rules):
        nearest = min(((m.x - x) ** 2 + (m.y - y) ** 2 for m in others), default=math.inf)
        if nearest > best_distance:
            best, best_distance = (x, y), nearest
    assert best is not None
    return best


def _place(world: World, ship: Ship) -> None:
    x, y = _spawn_point(world, ship.id)
    ship.motion = Motion(x, y)
    ship.alive = True
    ship.respawn_ticks = 0
    ship.shield_ticks = world.rules.ticks(world.rules.spawn_shield)
    ship.boost_ticks = 0
    ship.cooldown_ticks = 0
    # Face the middle of the arena: a fair start.
    ship.aim = round(math.atan2(world.rules.arena_height / 2 - y, world.rules.arena_width / 2 - x)
                     * 65536 / (2 * math.pi)) % 65536


def add_player(world: World, name: str, team: int = -1, cosmetic: Cosmetic | None = None) -> Ship:
    """Put a new ship in the arena on the lowest free id; raises GameFull when rules.max_players are in."""
    if len(world.ships) >= world.rules.max_players:
        raise GameFull(f"{len(world.ships)} of {world.rules.max_players} players are in")
    ship_id = next(i for i in range(MAX_SHIP_ID + 1) if i not in world.ships)
    if world.teams and team >= len(world.teams):
        raise ValueError(f"team {team} does not exist (teams: {world.teams})")
    ship = Ship(id=ship_id, name=name, team=team if world.teams else -1, cosmetic=cosmetic or Cosmetic(),
                motion=Motion(0.0, 0.0))
    _place(world, ship)
    world.ships[ship_id] = ship
    return ship


def remove_player(world: World, ship_id: int) -> Ship | None:
    """Take a ship out (its shots in flight go too); its slot is free for the next player. Team score stays."""
    ship = world.ships.pop(ship_id, None)
    if ship is not None:
        for pid in [pid for pid, p in world.projectiles.items() if p.owner == ship_id]:
            del world.projectiles[pid]
    return ship


def step(world: World, inputs: Mapping[int, ShipInput]) -> TickOutcome:
    """Advance ``world`` by one tick. ``inputs`` maps ship id to this tick's controls; a ship without an entry
    drifts with no thrust and does not fire."""
    outcome = TickOutcome()
    world.tick += 1
    combat = world.phase in (Phase.WAITING, Phase.PLAYING)

    for ship in world.ships.values():
        _run_timers(world, ship, outcome)
    for ship in world.ships.values():
        if ship.alive:
            _control(world, ship, inputs.get(ship.id, IDLE), combat)
    _move_projectiles(world, outcome, combat)
    _pickups(world, outcome)
    _round_clock(world, outcome)
    return outcome


def _run_timers(world: World, ship: Ship, outcome: TickOutcome) -> None:
    if ship.cooldown_ticks:
        ship.cooldown_ticks -= 1
    if ship.shield_ticks:
        ship.shield_ticks -= 1
    if ship.boost_ticks:
        ship.boost_ticks -= 1
    if not ship.alive:
        ship.respawn_ticks -= 1
        if ship.respawn_ticks <= 0:
            _place(world, ship)
            outcome.events.append(GameEvent(EventKind.RESPAWNED, ship.id, 0))


def _control(world: World, ship: Ship, command: ShipInput, combat: bool) -> None:
    rules = world.rules
    ship.motion = advance_motion(ship.motion, command.move_x, command.move_y, rules, ship.boost_ticks > 0)
    ship.aim = command.aim % 65536
    if command.fire and combat and ship.cooldown_ticks == 0:
        _fire(world, ship)
        ship.cooldown_ticks = rules.ticks(rules.fire_cooldown)


def _fire(world: World, ship: Ship) -> None:
    rules = world.rules
    angle = aim_to_radians(ship.aim)
    dx, dy = math.cos(angle), math.sin(angle)
    muzzle = rules.ship_radius + rules.projectile_radius + 2.0
    pid = world.next_projectile_id
    while pid in world.projectiles or pid == 0:
        pid = pid % 65535 + 1
    world.next_projectile_id = pid % 65535 + 1
    world.projectiles[pid] = Projectile(
        id=pid, owner=ship.id, team=ship.team,
        x=quantize_position(ship.motion.x + dx * muzzle), y=quantize_position(ship.motion.y + dy * muzzle),
        vx=quantize_velocity(dx * rules.projectile_speed), vy=quantize_velocity(dy * rules.projectile_speed),
        spawn_tick=world.tick, expires_tick=world.tick + rules.ticks(rules.projectile_lifetime))


def _ship_grid(world: World) -> dict[tuple[int, int], list[Ship]]:
    grid: dict[tuple[int, int], list[Ship]] = {}
    for ship in world.ships.values():
        if ship.alive:
            grid.setdefault((int(ship.motion.x // _GRID), int(ship.motion.y // _GRID)), []).append(ship)
    return grid


def _move_projectiles(world: World, outcome: TickOutcome, combat: bool) -> None:
    """Sweep each projectile from last tick's point to this tick's and tag the first ship (lowest id) the sweep
    touches: a fast shot cannot tunnel through a ship between two ticks."""
    if not world.projectiles:
        return
    rules = world.rules
    dt = rules.dt
    reach = rules.ship_radius + rules.projectile_radius
    reach_sq = reach * reach
    grid = _ship_grid(world)
    gone: list[int] = []
    for pid, p in world.projectiles.items():
        if world.tick > p.expires_tick:
            gone.append(pid)
            continue
        x0, y0 = p.position(world.tick - 1, dt) if world.tick > p.spawn_tick else (p.x, p.y)
        x1, y1 = p.position(world.tick, dt)
        victim = None
        if combat:
            cx, cy = int(x1 // _GRID), int(y1 // _GRID)
            candidates = [s for gx in (cx - 1, cx, cx + 1) for gy in (cy - 1, cy, cy + 1)
                          for s in grid.get((gx, gy), ()) if s.id != p.owner and s.alive
                          and (s.team < 0 or s.team != p.team)]
            for ship in sorted(candidates, key=lambda s: s.id):
                if _segment_distance_sq(x0, y0, x1, y1, ship.motion.x, ship.motion.y) <= reach_sq:
                    victim = ship
                    break
        if victim is not None:
            gone.append(pid)
            _hit(world, p, victim, outcome)
        elif not (0.0 <= x1 <= rules.arena_width and 0.0 <= y1 <= rules.arena_height):
            gone.append(pid)
    for pid in gone:
        world.projectiles.pop(pid, None)


def _segment_distance_sq(x0: float, y0: float, x1: float, y1: float, px: float, py: float) -> float:
    dx, dy = x1 - x0, y1 - y0
    length_sq = dx * dx + dy * dy
    t = 0.0 if length_sq == 0 else max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / length_sq))
    ex, ey = x0 + t * dx - px, y0 + t * dy - py
    return ex * ex + ey * ey


def _hit(world: World, projectile: Projectile, victim: Ship, outcome: TickOutcome) -> None:
    if victim.shield_ticks > 0:
        outcome.events.append(GameEvent(EventKind.BLOCKED, projectile.owner, victim.id))
        return
    victim.alive = False
    victim.respawn_ticks = world.rules.ticks(world.rules.respawn_delay)
    victim.shield_ticks = victim.boost_ticks = 0
    victim.motion = Motion(victim.motion.x, victim.motion.y)
    victim.deaths += 1
    shooter = world.ships.get(projectile.owner)
    if shooter is not None:
        shooter.score += 1
        if 0 <= shooter.team < len(world.team_scores):
            world.team_scores[shooter.team] += 1
    outcome.events.append(GameEvent(EventKind.TAGGED, projectile.owner, victim.id))


def _pickups(world: World, outcome: TickOutcome) -> None:
    rules = world.rules
    reach_sq = (rules.ship_radius + rules.pickup_radius) ** 2
    for pickup in world.pickups:
        if pickup.respawn_ticks:
            pickup.respawn_ticks -= 1
            continue
        for ship in world.ships.values():
            if ship.alive and (ship.motion.x - pickup.x) ** 2 + (ship.motion.y - pickup.y) ** 2 <= reach_sq:
                if pickup.kind is PickupKind.SHIELD:
                    ship.shield_ticks = rules.ticks(rules.shield_duration)
                else:
                    ship.boost_ticks = rules.ticks(rules.boost_duration)
                pickup.respawn_ticks = rules.ticks(rules.pickup_respawn)
                outcome.events.append(GameEvent(EventKind.PICKUP, ship.id, pickup.kind))
                break


def _round_clock(world: World, outcome: TickOutcome) -> None:
    rules = world.rules
    if world.phase is Phase.WAITING:
        if len(world.ships) >= rules.min_players:
            _start_round(world, outcome)
    elif world.phase is Phase.PLAYING:
        world.phase_ticks -= 1
        if world.phase_ticks <= 0:
            final = world.round >= rules.rounds
            results = round_results(world, final)
            world.last_results = results
            outcome.round_ended = results
            world.projectiles.clear()
            if final:
                world.phase, world.phase_ticks = Phase.OVER, 0
            else:
                world.phase, world.phase_ticks = Phase.RESULTS, rules.ticks(rules.results_seconds)
                if world.phase_ticks == 0:
                    _start_round(world, outcome)
    elif world.phase is Phase.RESULTS:
        world.phase_ticks -= 1
        if world.phase_ticks <= 0:
            _start_round(world, outcome)


def _start_round(world: World, outcome: TickOutcome) -> None:
    """A fresh round: scores to zero, everyone respawned, shots cleared, pickups back."""
    world.round += 1
    world.phase = Phase.PLAYING
    world.phase_ticks = world.rules.ticks(world.rules.round_seconds)
    world.team_scores = [0] * len(world.teams)
    world.projectiles.clear()
    for pickup in world.pickups:
        pickup.respawn_ticks = 0
    for ship in world.ships.values():
        ship.score = ship.deaths = 0
    for ship in sorted(world.ships.values(), key=lambda s: s.id):
        ship.alive = False  # so that spawn choice ignores ships still standing where the last round left them
    for ship in sorted(world.ships.values(), key=lambda s: s.id):
        _place(world, ship)
    outcome.round_started = world.round


def round_results(world: World, final: bool = False) -> RoundResults:
    """Standings now: players by score (desc), deaths (asc), id; the winner unless tied or nobody scored."""
    players = tuple(sorted(
        (PlayerResult(s.id, s.name, s.team, s.score, s.deaths) for s in world.ships.values()),
        key=lambda r: (-r.score, r.deaths, r.id)))
    team_scores = tuple(world.team_scores)
    winner_team = winner_player = -1
    if world.teams:
        best = max(team_scores, default=0)
        if best > 0 and team_scores.count(best) == 1:
            winner_team = team_scores.index(best)
    elif players and players[0].score > 0 and (len(players) == 1 or players[1].score < players[0].score):
        winner_player = players[0].id
    return RoundResults(world.round, players, team_scores, winner_team, winner_player, final)


def time_left_ticks(world: World) -> int:
    return world.phase_ticks if world.phase in (Phase.PLAYING, Phase.RESULTS) else 0


__all__ = [
    "MAX_SHIP_ID",
    "GameFull",
    "Rules",
    "TickOutcome",
    "add_player",
    "new_world",
    "pickup_layout",
    "remove_player",
    "round_results",
    "spawn_points",
    "step",
    "time_left_ticks",
]
