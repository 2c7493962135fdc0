"""Interpolation of other ships ~100 ms in the past."""

from __future__ import annotations

import math

import pytest

from client.interpolation import InterpolationBuffer, Interpolator, lerp, lerp_angle


def blend(a: float, b: float, t: float) -> float:
    return lerp(a, b, t)


def test_a_state_between_two_snapshots_is_blended() -> None:
    buf = InterpolationBuffer(blend)
    buf.push(1.0, 0.0)
    buf.push(1.05, 10.0)
    assert buf.sample(1.025) == pytest.approx(5.0)


def test_before_the_first_snapshot_the_first_is_shown() -> None:
    buf = InterpolationBuffer(blend)
    buf.push(1.0, 3.0)
    buf.push(2.0, 4.0)
    assert buf.sample(0.0) == 3.0


def test_past_the_newest_snapshot_motion_continues_only_briefly() -> None:
    buf = InterpolationBuffer(blend, max_extrapolation=0.05)
    buf.push(1.0, 0.0)
    buf.push(1.1, 10.0)
    assert buf.sample(1.15) == pytest.approx(15.0)
    assert buf.sample(5.0) == pytest.approx(15.0)  # capped: no flying off when snapshots stop


def test_a_single_snapshot_is_held_as_is() -> None:
    buf = InterpolationBuffer(blend)
    buf.push(1.0, 7.0)
    assert buf.sample(3.0) == 7.0
    assert InterpolationBuffer(blend).sample(1.0) is None


def test_duplicate_or_older_snapshots_are_ignored() -> None:
    buf = InterpolationBuffer(blend)
    assert buf.push(1.0, 1.0)
    assert not buf.push(1.0, 2.0)
    assert not buf.push(0.5, 2.0)
    assert len(buf) == 1


def test_old_states_are_discarded_but_one_before_the_cut_is_kept() -> None:
    buf = InterpolationBuffer(blend)
    for i in range(10):
        buf.push(float(i), float(i))
    buf.discard_before(5.5)
    assert buf.times[0] == 5.0
    assert buf.sample(5.5) == pytest.approx(5.5)


@pytest.mark.parametrize(
    ("a", "b", "t", "expected"),
    [
        (0.0, math.pi / 2, 0.5, math.pi / 4),
        (math.radians(350), math.radians(10), 0.5, math.radians(360)),  # through 0, not the long way
        (math.radians(10), math.radians(350), 0.5, 0.0),
    ],
)
def test_angles_blend_the_short_way_round(a: float, b: float, t: float, expected: float) -> None:
    got = lerp_angle(a, b, t)
    assert math.isclose(math.remainder(got - expected, 2 * math.pi), 0.0, abs_tol=1e-9)


def test_the_interpolator_draws_every_ship_delay_seconds_in_the_past() -> None:
    interp: Interpolator[float] = Interpolator(blend, delay=0.1)
    interp.push(1.00, {1: 0.0, 2: 100.0})
    interp.push(1.05, {1: 10.0, 2: 100.0})
    interp.push(1.10, {1: 20.0, 2: 100.0})
    states = interp.sample(1.175)  # drawn at 1.075
    assert states[1] == pytest.approx(15.0) and states[2] == pytest.approx(100.0)


def test_a_ship_missing_from_a_snapshot_leaves_and_a_new_one_appears() -> None:
    interp: Interpolator[float] = Interpolator(blend, delay=0.1)
    interp.push(1.0, {1: 0.0, 2: 0.0})
    interp.push(1.05, {2: 1.0, 3: 5.0})
    assert set(interp.sample(1.2)) == {2, 3}
