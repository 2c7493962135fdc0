"""Client-side prediction: predict on send, reconcile on snapshot, replay what the server has not applied."""

from __future__ import annotations

import pytest

from client.match import Command
from client.prediction import CorrectionSmoother, Predictor
from server.game import Motion, Rules, advance_motion


def toy_step(state: float, command: float) -> float:
    return state + command


def toy() -> Predictor[float, float]:
    return Predictor(toy_step, 0.0, lambda s: (s, 0.0))


def test_predicting_applies_each_input_at_once_and_keeps_it_until_acknowledged() -> None:
    p = toy()
    for seq in (1, 2, 3):
        p.predict(seq, 10.0)
    assert p.state == 30.0
    assert [seq for seq, _ in p.pending] == [1, 2, 3]


def test_a_snapshot_that_agrees_changes_nothing_visible() -> None:
    p = toy()
    for seq in (1, 2, 3, 4):
        p.predict(seq, 10.0)
    result = p.reconcile(20.0, acked_seq=2)  # the server applied 1 and 2: 20
    assert p.state == 40.0
    assert (result.replayed, result.acknowledged, result.error) == (2, 2, 0.0)
    assert [seq for seq, _ in p.pending] == [3, 4]


def test_a_snapshot_that_disagrees_moves_the_ship_and_replays_later_inputs_on_top() -> None:
    p = toy()
    for seq in (1, 2, 3):
        p.predict(seq, 10.0)
    # The server stopped us at 5 after input 1 (a wall the client did not know about).
    result = p.reconcile(5.0, acked_seq=1)
    assert p.state == 25.0
    assert result.error == pytest.approx(5.0)
    assert result.replayed == 2


def test_an_older_snapshot_never_rewinds_the_ship() -> None:
    p = toy()
    for seq in (1, 2, 3):
        p.predict(seq, 10.0)
    p.reconcile(20.0, acked_seq=2)
    result = p.reconcile(0.0, acked_seq=1)
    assert p.state == 30.0 and result.replayed == 0


def test_sequence_numbers_must_increase() -> None:
    p = toy()
    p.predict(5, 1.0)
    with pytest.raises(ValueError):
        p.predict(5, 1.0)


def test_the_pending_buffer_is_bounded_when_the_server_never_answers() -> None:
    p = Predictor(toy_step, 0.0, lambda s: (s, 0.0), capacity=8)
    for seq in range(1, 101):
        p.predict(seq, 1.0)
    assert len(p.pending) == 8 and p.pending[0][0] == 93


def test_reset_takes_the_server_state_and_forgets_pending_inputs() -> None:
    p = toy()
    p.predict(1, 10.0)
    p.reset(100.0, acked_seq=1)
    assert p.state == 100.0 and not p.pending and p.acked == 1


def test_prediction_with_the_games_own_step_matches_a_lagging_server_exactly() -> None:
    """The server applies the same inputs later; every reconciliation agrees to the bit (fixed-point motion)."""
    rules = Rules()

    def step(m: Motion, c: Command) -> Motion:
        return advance_motion(m, c.move_x, c.move_y, rules, c.boosted)

    start = Motion(800.0, 500.0)
    p = Predictor(step, start, lambda m: (m.x, m.y))
    server = start
    commands = [Command(127 if i % 40 < 25 else -90, 60 if i % 17 < 9 else -127, False) for i in range(300)]
    lag = 6  # inputs in flight
    for seq, command in enumerate(commands, start=1):
        p.predict(seq, command)
        applied = seq - lag
        if applied >= 1:
            server = step(server, commands[applied - 1])
            if applied % 2 == 0:  # a snapshot every other tick
                assert p.reconcile(server, applied).error == 0.0
    assert p.state.x != start.x  # it did move (and hit walls on the way: the clamping is replayed too)


def test_the_correction_smoother_eases_out_small_corrections_and_snaps_teleports() -> None:
    s = CorrectionSmoother(tau=0.05, snap_distance=50)
    s.correct(before=(10.0, 0.0), after=(0.0, 0.0))
    first = s.advance(0.0)
    assert first == (10.0, 0.0)  # drawn where it was...
    later = s.advance(0.05)
    assert 3.0 < later[0] < 4.0  # ...then closing in (e^-1 of the gap)
    assert s.advance(1.0) == (0.0, 0.0)
    s.correct(before=(500.0, 0.0), after=(0.0, 0.0))
    assert s.advance(0.0) == (0.0, 0.0)  # a respawn shows at once
