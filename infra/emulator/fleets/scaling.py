"""Scaling policies as pure rules: a policy, a location's metrics and capacity in, a new desired count out.

The autoscaler (``autoscaler.py``) samples the metrics once a minute and feeds
them through here; nothing in this module reads the clock, the store or the
live fleet, so every rule is tested by table.

What the real service documents, and what is chosen here where it is silent:

- Target-based (target tracking) keeps ``PercentAvailableGameSessions`` at
  the target: the fleet gets the fewest instances whose game-session slots
  leave at least that percentage free for the sessions in use. It "starts new
  instances or stops unused instances", so it never asks for fewer instances
  than those hosting game sessions (UNCONFIRMED reading of "unused"). With no
  sessions in use it scales down to the minimum, zero included, as users of
  the real service report.
- Rule-based: "If [MetricName] is [ComparisonOperator] [Threshold] for
  [EvaluationPeriods] minutes, then [ScalingAdjustmentType] to/by
  [ScalingAdjustment]". The condition must hold on that many consecutive
  one-minute samples; after a change the policy waits ten minutes before it
  acts again (documented) while its samples keep counting.
- PercentChangeInCapacity rounds as EC2 Auto Scaling documents it (UNCONFIRMED
  for GameLift): a change between -1 and 1 becomes -1 or 1, anything larger
  is truncated towards zero.
- Every result stays within the location's MinSize and MaxSize (documented).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from infra.emulator.errors import InvalidRequestException

# "After changing capacity in response to an automatic scaling policy, Amazon
# GameLift waits ten minutes before responding to triggers from that policy."
COOLDOWN_PERIODS = 10


class PolicyType(enum.StrEnum):
    RULE_BASED = "RuleBased"
    TARGET_BASED = "TargetBased"


class PolicyStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    UPDATE_REQUESTED = "UPDATE_REQUESTED"
    UPDATING = "UPDATING"
    DELETE_REQUESTED = "DELETE_REQUESTED"
    DELETING = "DELETING"
    DELETED = "DELETED"
    ERROR = "ERROR"


class MetricName(enum.StrEnum):
    ACTIVATING_GAME_SESSIONS = "ActivatingGameSessions"
    ACTIVE_GAME_SESSIONS = "ActiveGameSessions"
    ACTIVE_INSTANCES = "ActiveInstances"
    AVAILABLE_GAME_SESSIONS = "AvailableGameSessions"
    AVAILABLE_PLAYER_SESSIONS = "AvailablePlayerSessions"
    CURRENT_PLAYER_SESSIONS = "CurrentPlayerSessions"
    IDLE_INSTANCES = "IdleInstances"
    PERCENT_AVAILABLE_GAME_SESSIONS = "PercentAvailableGameSessions"
    PERCENT_IDLE_INSTANCES = "PercentIdleInstances"
    QUEUE_DEPTH = "QueueDepth"
    WAIT_TIME = "WaitTime"
    CONCURRENT_ACTIVATABLE_GAME_SESSIONS = "ConcurrentActivatableGameSessions"


class ComparisonOperator(enum.StrEnum):
    GREATER_THAN_OR_EQUAL = "GreaterThanOrEqualToThreshold"
    GREATER_THAN = "GreaterThanThreshold"
    LESS_THAN = "LessThanThreshold"
    LESS_THAN_OR_EQUAL = "LessThanOrEqualToThreshold"


class AdjustmentType(enum.StrEnum):
    CHANGE_IN_CAPACITY = "ChangeInCapacity"
    EXACT_CAPACITY = "ExactCapacity"
    PERCENT_CHANGE_IN_CAPACITY = "PercentChangeInCapacity"


_SYMBOLS = {
    ComparisonOperator.GREATER_THAN_OR_EQUAL: ">=",
    ComparisonOperator.GREATER_THAN: ">",
    ComparisonOperator.LESS_THAN: "<",
    ComparisonOperator.LESS_THAN_OR_EQUAL: "<=",
}
_RULE_MEMBERS = (
    "ComparisonOperator",
    "Threshold",
    "EvaluationPeriods",
    "ScalingAdjustmentType",
    "ScalingAdjustment",
)


@dataclass(frozen=True)
class PolicySpec:
    """What a PutScalingPolicy request asks for, checked; the members of the other policy type are dropped."""

    policy_type: PolicyType
    metric_name: MetricName
    target_value: float | None = None
    comparison_operator: ComparisonOperator | None = None
    threshold: float | None = None
    evaluation_periods: int | None = None
    adjustment_type: AdjustmentType | None = None
    adjustment: int | None = None


def spec_from_request(p: dict[str, Any]) -> PolicySpec:
    """A PutScalingPolicy request as a policy, or the InvalidRequestException the service answers.

    The model has already checked types and enums. UNCONFIRMED choices where
    the docs are silent: a missing PolicyType means RuleBased (the API's only
    kind before target tracking existed); members that belong to the other
    policy type are ignored rather than refused; a target outside 0-100 is
    refused, since it is a percentage.
    """
    policy_type = PolicyType(p.get("PolicyType") or PolicyType.RULE_BASED)
    metric = MetricName(p["MetricName"])
    if policy_type == PolicyType.TARGET_BASED:
        if metric != MetricName.PERCENT_AVAILABLE_GAME_SESSIONS:
            raise InvalidRequestException(
                f"A TargetBased scaling policy tracks PercentAvailableGameSessions; MetricName {metric} "
                "can only be used in a RuleBased policy."
            )
        target = (p.get("TargetConfiguration") or {}).get("TargetValue")
        if target is None:
            raise InvalidRequestException("A TargetBased scaling policy needs TargetConfiguration.TargetValue.")
        if not 0 <= float(target) <= 100:
            raise InvalidRequestException(
                f"TargetConfiguration.TargetValue {target} is not a percentage between 0 and 100."
            )
        return PolicySpec(policy_type, metric, target_value=float(target))
    missing = [name for name in _RULE_MEMBERS if p.get(name) is None]
    if missing:
        raise InvalidRequestException(
            f"A RuleBased scaling policy needs {', '.join(missing)} (and MetricName) to state its rule."
        )
    threshold = float(p["Threshold"])
    if not math.isfinite(threshold):
        raise InvalidRequestException(f"Threshold {p['Threshold']} is not a finite number.")
    return PolicySpec(
        policy_type,
        metric,
        comparison_operator=ComparisonOperator(p["ComparisonOperator"]),
        threshold=threshold,
        evaluation_periods=int(p["EvaluationPeriods"]),
        adjustment_type=AdjustmentType(p["ScalingAdjustmentType"]),
        adjustment=int(p["ScalingAdjustment"]),
    )


@dataclass(frozen=True)
class LocationMetrics:
    """One minute's sample of a fleet location, in the terms of the documented metrics.

    ``sessions_in_use`` counts processes holding a game session in any live
    status (the slots a target-based policy must leave room beside);
    ``server_processes`` counts every process, ready or not, which is the
    denominator CloudWatch gives PercentAvailableGameSessions ("healthy or
    unhealthy").
    """

    active_instances: int = 0
    idle_instances: int = 0
    activating_game_sessions: int = 0
    active_game_sessions: int = 0
    available_game_sessions: int = 0
    sessions_in_use: int = 0
    server_processes: int = 0
    current_player_sessions: int = 0
    available_player_sessions: int = 0
    concurrent_activatable_game_sessions: int = 0
    queue_depth: float = 0.0
    wait_time: float = 0.0
    # Game-session slots one instance offers (its runtime configuration's processes).
    slots_per_instance: int = 0

    @property
    def busy_instances(self) -> int:
        return self.active_instances - self.idle_instances

    @property
    def percent_available_game_sessions(self) -> float:
        # UNCONFIRMED: with no processes at all CloudWatch has no data point; 0 lets a
        # "less than" rule scale a fleet up from zero.
        if self.server_processes <= 0:
            return 0.0
        return 100.0 * self.available_game_sessions / self.server_processes

    @property
    def percent_idle_instances(self) -> float:
        if self.active_instances <= 0:
            return 0.0
        return 100.0 * self.idle_instances / self.active_instances

    def value(self, metric: MetricName) -> float:
        values: dict[MetricName, float] = {
            MetricName.ACTIVATING_GAME_SESSIONS: self.activating_game_sessions,
            MetricName.ACTIVE_GAME_SESSIONS: self.active_game_sessions,
            MetricName.ACTIVE_INSTANCES: self.active_instances,
            MetricName.AVAILABLE_GAME_SESSIONS: self.available_game_sessions,
            MetricName.AVAILABLE_PLAYER_SESSIONS: self.available_player_sessions,
            MetricName.CURRENT_PLAYER_SESSIONS: self.current_player_sessions,
            MetricName.IDLE_INSTANCES: self.idle_instances,
            MetricName.PERCENT_AVAILABLE_GAME_SESSIONS: self.percent_available_game_sessions,
            MetricName.PERCENT_IDLE_INSTANCES: self.percent_idle_instances,
            MetricName.QUEUE_DEPTH: self.queue_depth,
            MetricName.WAIT_TIME: self.wait_time,
            MetricName.CONCURRENT_ACTIVATABLE_GAME_SESSIONS: self.concurrent_activatable_game_sessions,
        }
        return float(values[metric])


@dataclass(frozen=True)
class Capacity:
    desired: int
    minimum: int
    maximum: int

    def clamp(self, desired: int) -> int:
        return min(max(desired, self.minimum), self.maximum)


@dataclass(frozen=True)
class Decision:
    """What one policy wants for one location this minute."""

    desired: int
    reason: str


def breached(value: float, operator: ComparisonOperator, threshold: float) -> bool:
    if operator == ComparisonOperator.GREATER_THAN_OR_EQUAL:
        return value >= threshold
    if operator == ComparisonOperator.GREATER_THAN:
        return value > threshold
    if operator == ComparisonOperator.LESS_THAN:
        return value < threshold
    return value <= threshold


def percent_change(current: int, percent: int) -> int:
    """The instances a PercentChangeInCapacity adjustment adds (negative: removes)."""
    change = current * percent / 100
    if change == 0:
        return 0
    if -1 < change < 1:
        return 1 if change > 0 else -1
    return math.trunc(change)


def adjusted(current: int, adjustment_type: AdjustmentType, adjustment: int) -> int:
    """The instance count a rule-based adjustment asks for, before the location's limits."""
    if adjustment_type == AdjustmentType.EXACT_CAPACITY:
        return max(0, adjustment)
    if adjustment_type == AdjustmentType.CHANGE_IN_CAPACITY:
        return max(0, current + adjustment)
    return max(0, current + percent_change(current, adjustment))


def target_instances(target_percent: float, metrics: LocationMetrics, maximum: int) -> int | None:
    """The fewest instances that keep ``target_percent`` of the slots free; None when it cannot be told.

    ``maximum`` answers a target of 100% while sessions are in use (no finite
    fleet keeps every slot free).
    """
    slots = metrics.slots_per_instance
    if slots <= 0:
        return None
    in_use = metrics.sessions_in_use
    if in_use <= 0:
        return metrics.busy_instances
    # As a decimal fraction, so 10% means exactly one in ten (floats would round 9/0.9 either way).
    free = 1 - Fraction(target_percent).limit_denominator(10**9) / 100
    if free <= 0:
        return maximum
    needed_slots = math.ceil(in_use / free)
    return max(math.ceil(needed_slots / slots), metrics.busy_instances)


def step_rule(spec: PolicySpec, metrics: LocationMetrics, streak: int) -> tuple[bool, int]:
    """One minute of a rule: (its condition has held long enough, the new count of consecutive breaches)."""
    if spec.comparison_operator is None or spec.threshold is None:
        return False, 0
    if not breached(metrics.value(spec.metric_name), spec.comparison_operator, spec.threshold):
        return False, 0
    streak += 1
    return streak >= (spec.evaluation_periods or 1), streak


def decide(
    spec: PolicySpec, metrics: LocationMetrics, capacity: Capacity, streak: int, *, cooling: bool = False
) -> tuple[Decision | None, int]:
    """One evaluation of one policy for one location: (what it wants, if anything; its new breach streak).

    ``cooling``: the policy changed this location's capacity less than ten
    minutes ago, so a rule that fires is held back (its streak keeps counting,
    and it fires as soon as the wait is over if the condition still holds).
    """
    if spec.policy_type == PolicyType.TARGET_BASED:
        if spec.target_value is None:
            return None, 0
        wanted = target_instances(spec.target_value, metrics, capacity.maximum)
        if wanted is None:
            return None, 0
        reason = (
            f"PercentAvailableGameSessions is {metrics.percent_available_game_sessions:g} "
            f"with a target of {spec.target_value:g}"
        )
        return Decision(capacity.clamp(wanted), reason), 0
    fires, streak = step_rule(spec, metrics, streak)
    if not fires or cooling or spec.adjustment_type is None or spec.adjustment is None:
        return None, streak
    wanted = adjusted(capacity.desired, spec.adjustment_type, spec.adjustment)
    symbol = _SYMBOLS[ComparisonOperator(spec.comparison_operator)]
    reason = (
        f"{spec.metric_name} was {metrics.value(spec.metric_name):g} ({symbol} {spec.threshold:g}) "
        f"for {spec.evaluation_periods} minute(s): {spec.adjustment_type} {spec.adjustment}"
    )
    return Decision(capacity.clamp(wanted), reason), 0
