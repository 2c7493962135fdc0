"""Rounds: waiting for players, the round clock, results, the next round, the end; rules from GameProperties."""

from __future__ import annotations

import pytest

from server.game import Phase, Rules, RulesError, add_player, new_world, round_results, rules_from_game_properties, step
from server.game.model import Motion, World


def fast_rules(**changes: object) -> Rules:
    return Rules(**{"round_seconds": 2.0, "results_seconds": 1.0, "rounds": 2, **changes})


def ticks(world: World, n: int) -> list:
    return [step(world, {}) for _ in range(n)]


def test_waiting_until_enough_players_then_the_round_starts() -> None:
    world = new_world(fast_rules(min_players=2))
    add_player(world, "a")
    ticks(world, 10)
    assert world.phase is Phase.WAITING and world.round == 0
    add_player(world, "b")
    outcome = step(world, {})
    assert outcome.round_started == 1
    assert world.phase is Phase.PLAYING and world.phase_ticks == 60


def test_round_ends_with_results_then_the_next_round_then_over() -> None:
    world = new_world(fast_rules())
    a, b = add_player(world, "a"), add_player(world, "b")
    step(world, {})
    a.score, b.score, b.deaths = 3, 1, 3
    outcomes = ticks(world, 60)
    ended = [o.round_ended for o in outcomes if o.round_ended]
    assert len(ended) == 1 and world.phase is Phase.RESULTS
    results = ended[0]
    assert results.round == 1 and not results.final
    assert [r.id for r in results.players] == [a.id, b.id]
    assert results.winner_player == a.id and results.winner_team == -1
    started = [o.round_started for o in ticks(world, 30) if o.round_started]
    assert started == [2] and world.phase is Phase.PLAYING
    assert a.score == 0 and b.deaths == 0  # scores start again
    final = [o.round_ended for o in ticks(world, 60) if o.round_ended]
    assert final and final[0].final and world.phase is Phase.OVER
    ticks(world, 100)
    assert world.phase is Phase.OVER and world.round == 2


def test_no_results_pause_goes_straight_to_the_next_round() -> None:
    world = new_world(fast_rules(results_seconds=0.0))
    add_player(world, "a")
    step(world, {})
    outcomes = ticks(world, 60)
    assert outcomes[-1].round_ended and outcomes[-1].round_started == 2


def test_no_shooting_between_rounds() -> None:
    from server.game import ShipInput

    world = new_world(fast_rules())
    a = add_player(world, "a")
    step(world, {})
    ticks(world, 60)
    assert world.phase is Phase.RESULTS
    a.motion = Motion(800.0, 500.0)
    step(world, {a.id: ShipInput(fire=True)})
    assert not world.projectiles


def test_winners() -> None:
    world = new_world(Rules(), ("red", "blue"))
    a, b = add_player(world, "a", 0), add_player(world, "b", 1)
    assert round_results(world).winner_team == -1  # nobody scored
    world.team_scores = [2, 2]
    assert round_results(world).winner_team == -1  # a tie
    world.team_scores = [2, 5]
    assert round_results(world).winner_team == 1
    ffa = new_world(Rules())
    a, b = add_player(ffa, "a"), add_player(ffa, "b")
    a.score = b.score = 4
    assert round_results(ffa).winner_player == -1
    b.score = 5
    assert round_results(ffa).winner_player == b.id


def test_rules_from_game_properties() -> None:
    rules = rules_from_game_properties({"roundSeconds": "90", "rounds": "5", "minPlayers": "2", "access": "open"})
    assert (rules.round_seconds, rules.rounds, rules.min_players) == (90.0, 5, 2)
    assert rules.ship_max_speed == Rules().ship_max_speed
    assert rules_from_game_properties({}) == Rules()


@pytest.mark.parametrize(("key", "value", "message"), [
    ("rounds", "three", "not a int"),
    ("rounds", "0", "outside"),
    ("roundSeconds", "nan", "outside"),
    ("maxPlayers", "65", "outside"),
])
def test_bad_game_properties_are_named(key: str, value: str, message: str) -> None:
    with pytest.raises(RulesError, match=message) as raised:
        rules_from_game_properties({key: value})
    assert key in str(raised.value)
