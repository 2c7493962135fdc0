"""Scaling policy rules by table: request checks, metrics, target tracking, rule steps and adjustments."""

from __future__ import annotations

from typing import Any

import pytest

from infra.emulator.errors import InvalidRequestException
from infra.emulator.fleets.scaling import (
    AdjustmentType,
    Capacity,
    ComparisonOperator,
    LocationMetrics,
    MetricName,
    PolicySpec,
    PolicyType,
    adjusted,
    breached,
    decide,
    percent_change,
    spec_from_request,
    step_rule,
    target_instances,
)

RULE = {
    "MetricName": "IdleInstances",
    "PolicyType": "RuleBased",
    "ComparisonOperator": "GreaterThanThreshold",
    "Threshold": 1,
    "EvaluationPeriods": 2,
    "ScalingAdjustmentType": "ChangeInCapacity",
    "ScalingAdjustment": -1,
}
TARGET = {
    "MetricName": "PercentAvailableGameSessions",
    "PolicyType": "TargetBased",
    "TargetConfiguration": {"TargetValue": 20},
}


def rule(metric: MetricName, operator: ComparisonOperator, threshold: float, periods: int = 1, **kw: Any) -> PolicySpec:
    return PolicySpec(
        PolicyType.RULE_BASED,
        metric,
        comparison_operator=operator,
        threshold=threshold,
        evaluation_periods=periods,
        adjustment_type=kw.get("adjustment_type", AdjustmentType.CHANGE_IN_CAPACITY),
        adjustment=kw.get("adjustment", 1),
    )


def target(value: float) -> PolicySpec:
    return PolicySpec(PolicyType.TARGET_BASED, MetricName.PERCENT_AVAILABLE_GAME_SESSIONS, target_value=value)


def load(in_use: int, instances: int, slots: int = 2, busy: int | None = None) -> LocationMetrics:
    """A location with ``instances`` ACTIVE instances of ``slots`` processes and ``in_use`` sessions packed in."""
    busy = min(instances, -(-in_use // slots)) if busy is None else busy
    return LocationMetrics(
        active_instances=instances,
        idle_instances=instances - busy,
        active_game_sessions=in_use,
        sessions_in_use=in_use,
        available_game_sessions=instances * slots - in_use,
        server_processes=instances * slots,
        slots_per_instance=slots,
    )


# -- PutScalingPolicy requests ---------------------------------------------------------------------------
def test_rule_request_becomes_a_spec() -> None:
    spec = spec_from_request(RULE)
    assert spec == PolicySpec(
        PolicyType.RULE_BASED,
        MetricName.IDLE_INSTANCES,
        comparison_operator=ComparisonOperator.GREATER_THAN,
        threshold=1.0,
        evaluation_periods=2,
        adjustment_type=AdjustmentType.CHANGE_IN_CAPACITY,
        adjustment=-1,
    )


def test_target_request_keeps_only_the_target() -> None:
    spec = spec_from_request({**TARGET, "Threshold": 5, "ScalingAdjustment": 3})
    assert spec == PolicySpec(PolicyType.TARGET_BASED, MetricName.PERCENT_AVAILABLE_GAME_SESSIONS, target_value=20.0)


def test_missing_policy_type_means_rule_based() -> None:
    params = {k: v for k, v in RULE.items() if k != "PolicyType"}
    assert spec_from_request(params).policy_type == PolicyType.RULE_BASED


RULE_MEMBERS = ("ComparisonOperator", "Threshold", "EvaluationPeriods", "ScalingAdjustmentType", "ScalingAdjustment")


@pytest.mark.parametrize(
    "params",
    [
        {**TARGET, "MetricName": "IdleInstances"},
        {k: v for k, v in TARGET.items() if k != "TargetConfiguration"},
        {**TARGET, "TargetConfiguration": {"TargetValue": -1}},
        {**TARGET, "TargetConfiguration": {"TargetValue": 100.5}},
        {**TARGET, "TargetConfiguration": {"TargetValue": float("nan")}},
        {**RULE, "Threshold": float("inf")},
        *({k: v for k, v in RULE.items() if k != missing} for missing in RULE_MEMBERS),
    ],
    ids=["target-other-metric", "target-no-configuration", "target-negative", "target-over-100", "target-nan"]
    + ["rule-infinite-threshold"]
    + [f"rule-without-{m}" for m in RULE_MEMBERS],
)
def test_incomplete_or_contradictory_requests_are_refused(params: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestException):
        spec_from_request(params)


# -- metrics -----------------------------------------------------------------------------------------------
def test_metric_values_and_percentages() -> None:
    metrics = LocationMetrics(
        active_instances=4,
        idle_instances=1,
        activating_game_sessions=1,
        active_game_sessions=5,
        available_game_sessions=2,
        sessions_in_use=6,
        server_processes=8,
        current_player_sessions=7,
        available_player_sessions=13,
        concurrent_activatable_game_sessions=2,
        slots_per_instance=2,
    )
    assert metrics.value(MetricName.PERCENT_AVAILABLE_GAME_SESSIONS) == 25.0
    assert metrics.value(MetricName.PERCENT_IDLE_INSTANCES) == 25.0
    assert metrics.value(MetricName.ACTIVE_INSTANCES) == 4
    assert metrics.value(MetricName.IDLE_INSTANCES) == 1
    assert metrics.value(MetricName.ACTIVATING_GAME_SESSIONS) == 1
    assert metrics.value(MetricName.ACTIVE_GAME_SESSIONS) == 5
    assert metrics.value(MetricName.AVAILABLE_GAME_SESSIONS) == 2
    assert metrics.value(MetricName.CURRENT_PLAYER_SESSIONS) == 7
    assert metrics.value(MetricName.AVAILABLE_PLAYER_SESSIONS) == 13
    assert metrics.value(MetricName.CONCURRENT_ACTIVATABLE_GAME_SESSIONS) == 2
    assert metrics.value(MetricName.QUEUE_DEPTH) == 0 and metrics.value(MetricName.WAIT_TIME) == 0
    assert metrics.busy_instances == 3


def test_percentages_of_an_empty_location_are_zero() -> None:
    empty = LocationMetrics()
    assert empty.percent_available_game_sessions == 0.0 and empty.percent_idle_instances == 0.0


# -- target tracking ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target_percent", "in_use", "instances", "slots", "expected"),
    [
        (50, 2, 1, 2, 2),  # 2 sessions need 4 slots to keep half free: 2 instances
        (50, 4, 2, 2, 4),
        (50, 3, 2, 2, 3),  # 6 slots -> 3 instances
        (10, 9, 5, 2, 5),  # exactly 10 slots: 10% free
        (10, 10, 5, 2, 6),  # 12 slots
        (0, 3, 4, 2, 2),  # no buffer: just enough for the sessions
        (20, 0, 3, 2, 0),  # nothing in use: down to the minimum, zero included
        (25, 5, 3, 10, 1),  # 7 slots fit on one instance of ten
        (33.3, 2, 1, 1, 3),
    ],
)
def test_target_instances(target_percent: float, in_use: int, instances: int, slots: int, expected: int) -> None:
    assert target_instances(target_percent, load(in_use, instances, slots), maximum=50) == expected


def test_target_never_drops_instances_that_host_sessions() -> None:
    # Three sessions spread over three instances of two slots: zero buffer would need two.
    spread = load(3, 3, slots=2, busy=3)
    assert target_instances(0, spread, maximum=10) == 3


def test_full_buffer_asks_for_the_maximum_while_sessions_run() -> None:
    assert target_instances(100, load(1, 1), maximum=7) == 7
    assert target_instances(100, load(0, 1), maximum=7) == 0


def test_target_without_slots_has_no_opinion() -> None:
    assert target_instances(20, LocationMetrics(sessions_in_use=2), maximum=5) is None


def test_target_decision_is_clamped_and_explained() -> None:
    decision, streak = decide(target(50), load(8, 4), Capacity(desired=4, minimum=1, maximum=5), 0)
    assert decision is not None and decision.desired == 5 and streak == 0
    assert "PercentAvailableGameSessions is 0 with a target of 50" in decision.reason
    decision, _ = decide(target(50), load(0, 4), Capacity(desired=4, minimum=1, maximum=5), 0)
    assert decision is not None and decision.desired == 1


# -- rules ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operator", "value", "threshold", "expected"),
    [
        (ComparisonOperator.GREATER_THAN, 2, 1, True),
        (ComparisonOperator.GREATER_THAN, 1, 1, False),
        (ComparisonOperator.GREATER_THAN_OR_EQUAL, 1, 1, True),
        (ComparisonOperator.GREATER_THAN_OR_EQUAL, 0.5, 1, False),
        (ComparisonOperator.LESS_THAN, 0, 1, True),
        (ComparisonOperator.LESS_THAN, 1, 1, False),
        (ComparisonOperator.LESS_THAN_OR_EQUAL, 1, 1, True),
        (ComparisonOperator.LESS_THAN_OR_EQUAL, 1.5, 1, False),
    ],
)
def test_breached(operator: ComparisonOperator, value: float, threshold: float, expected: bool) -> None:
    assert breached(value, operator, threshold) is expected


def test_rule_fires_after_its_evaluation_periods_in_a_row() -> None:
    spec = rule(MetricName.IDLE_INSTANCES, ComparisonOperator.GREATER_THAN_OR_EQUAL, 1, periods=3)
    idle, busy = load(0, 2), load(4, 2)
    streak = 0
    fired = []
    for metrics in (idle, idle, busy, idle, idle, idle):
        fires, streak = step_rule(spec, metrics, streak)
        fired.append(fires)
    assert fired == [False, False, False, False, False, True]


@pytest.mark.parametrize(
    ("current", "percent", "expected"),
    [
        (4, 50, 2),
        (4, -50, -2),
        (4, 10, 1),  # 0.4 rounds up to one instance
        (4, -10, -1),
        (3, 50, 1),  # 1.5 truncates to 1
        (3, -50, -1),
        (0, 50, 0),
        (10, 0, 0),
    ],
)
def test_percent_change(current: int, percent: int, expected: int) -> None:
    assert percent_change(current, percent) == expected


@pytest.mark.parametrize(
    ("current", "adjustment_type", "adjustment", "expected"),
    [
        (2, AdjustmentType.CHANGE_IN_CAPACITY, 3, 5),
        (2, AdjustmentType.CHANGE_IN_CAPACITY, -3, 0),
        (2, AdjustmentType.EXACT_CAPACITY, 7, 7),
        (2, AdjustmentType.EXACT_CAPACITY, -1, 0),
        (4, AdjustmentType.PERCENT_CHANGE_IN_CAPACITY, 50, 6),
        (4, AdjustmentType.PERCENT_CHANGE_IN_CAPACITY, -25, 3),
    ],
)
def test_adjusted(current: int, adjustment_type: AdjustmentType, adjustment: int, expected: int) -> None:
    assert adjusted(current, adjustment_type, adjustment) == expected


@pytest.mark.parametrize(
    ("adjustment_type", "adjustment", "capacity", "expected"),
    [
        (AdjustmentType.CHANGE_IN_CAPACITY, 5, Capacity(2, 0, 4), 4),  # held at MaxSize
        (AdjustmentType.CHANGE_IN_CAPACITY, -5, Capacity(2, 1, 4), 1),  # held at MinSize
        (AdjustmentType.EXACT_CAPACITY, 3, Capacity(1, 0, 4), 3),
        (AdjustmentType.PERCENT_CHANGE_IN_CAPACITY, 100, Capacity(2, 0, 10), 4),
    ],
)
def test_rule_decision_within_limits(
    adjustment_type: AdjustmentType, adjustment: int, capacity: Capacity, expected: int
) -> None:
    spec = rule(
        MetricName.ACTIVE_GAME_SESSIONS,
        ComparisonOperator.GREATER_THAN_OR_EQUAL,
        0,
        adjustment_type=adjustment_type,
        adjustment=adjustment,
    )
    decision, streak = decide(spec, load(1, 2), capacity, 0)
    assert decision is not None and decision.desired == expected and streak == 0
    assert "ActiveGameSessions was 1 (>= 0) for 1 minute(s)" in decision.reason


def test_cooling_rule_holds_back_but_keeps_counting() -> None:
    spec = rule(MetricName.IDLE_INSTANCES, ComparisonOperator.GREATER_THAN, 0, periods=2)
    decision, streak = decide(spec, load(0, 2), Capacity(2, 0, 5), 1, cooling=True)
    assert decision is None and streak == 2
    decision, streak = decide(spec, load(0, 2), Capacity(2, 0, 5), streak)
    assert decision is not None and decision.desired == 3 and streak == 0


def test_rule_not_met_resets_its_streak() -> None:
    spec = rule(MetricName.IDLE_INSTANCES, ComparisonOperator.GREATER_THAN, 0, periods=2)
    decision, streak = decide(spec, load(4, 2), Capacity(2, 0, 5), 1)
    assert decision is None and streak == 0
