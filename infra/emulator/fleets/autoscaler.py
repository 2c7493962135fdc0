"""Fleet auto-scaling: scaling policies kept as records, evaluated once a minute of emulator time.

Each evaluation samples every ACTIVE location of every fleet that has a
policy (instances, the process table, game sessions), runs the fleet's ACTIVE
policies through ``scaling.decide`` in the order they were created, and hands
the result to ``FleetService.set_desired``, which records the
FLEET_SCALING_EVENT and scales through the same path as UpdateFleetCapacity
(so scale-in honours NewGameSessionProtectionPolicy and per-session
protection). A location whose AUTO_SCALING action is stopped is left alone.

Policies belong to a fleet, not a location (PutScalingPolicy takes no
Location); DescribeScalingPolicies lists each policy once per location of the
fleet, as the real service does, and each location keeps its own breach
streaks and cooldown.

Status: a new or updated policy is UPDATE_REQUESTED until the service has
taken it in (one fleet stage, ``fleet_stage_seconds``), then ACTIVE; only
ACTIVE policies are in force. UNCONFIRMED: the real service's delay. A deleted
policy is gone at once ("removes all record of it"). Policies of a fleet
that has been deleted go with it.

The evaluation timer runs only while some policy exists, so an emulator with
no policies has no periodic timer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from infra.emulator.clock import Timer
from infra.emulator.errors import InvalidRequestException, NotFoundException
from infra.emulator.fleets import ports, runtime, scaling
from infra.emulator.fleets.model import Fleet, FleetAction, FleetStatus, InstanceStatus
from infra.emulator.fleets.processes import ProcessStatus
from infra.emulator.fleets.scaling import (
    Capacity,
    LocationMetrics,
    PolicySpec,
    PolicyStatus,
    PolicyType,
)
from infra.emulator.fleets.timers import KeyedTimers
from infra.emulator.pagination import paginate

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator

log = logging.getLogger("gamelift_local.scaling")

KIND = "scaling_policy"
# The docs name ERROR and DELETING; a TERMINATED fleet is further gone still.
_REFUSING = (FleetStatus.ERROR, FleetStatus.DELETING, FleetStatus.TERMINATED)


@dataclass
class ScalingPolicy:
    fleet_id: str
    fleet_arn: str
    name: str
    policy_type: PolicyType
    metric_name: str
    ordinal: int
    status: PolicyStatus = PolicyStatus.UPDATE_REQUESTED
    status_since: float = 0.0
    target_value: float | None = None
    comparison_operator: str | None = None
    threshold: float | None = None
    evaluation_periods: int | None = None
    scaling_adjustment_type: str | None = None
    scaling_adjustment: int | None = None
    # Per location: consecutive one-minute samples that met a rule's condition,
    # and until when the policy waits after changing that location's capacity.
    streaks: dict[str, int] = field(default_factory=dict)
    cooldown_until: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        # Fleet ids hold no ":", so the pair is unambiguous whatever the name holds.
        return f"{self.fleet_id}:{self.name}"

    def spec(self) -> PolicySpec:
        return PolicySpec(
            policy_type=self.policy_type,
            metric_name=scaling.MetricName(self.metric_name),
            target_value=self.target_value,
            comparison_operator=scaling.ComparisonOperator(self.comparison_operator)
            if self.comparison_operator
            else None,
            threshold=self.threshold,
            evaluation_periods=self.evaluation_periods,
            adjustment_type=scaling.AdjustmentType(self.scaling_adjustment_type)
            if self.scaling_adjustment_type
            else None,
            adjustment=self.scaling_adjustment,
        )

    def apply(self, spec: PolicySpec) -> None:
        self.policy_type = spec.policy_type
        self.metric_name = str(spec.metric_name)
        self.target_value = spec.target_value
        self.comparison_operator = str(spec.comparison_operator) if spec.comparison_operator else None
        self.threshold = spec.threshold
        self.evaluation_periods = spec.evaluation_periods
        self.scaling_adjustment_type = str(spec.adjustment_type) if spec.adjustment_type else None
        self.scaling_adjustment = spec.adjustment
        self.streaks = {}
        self.cooldown_until = {}

    def to_api(self, location: str, *, pending: bool) -> dict[str, Any]:
        return {
            "FleetId": self.fleet_id,
            "FleetArn": self.fleet_arn,
            "Name": self.name,
            "Status": self.status,
            "ScalingAdjustment": self.scaling_adjustment,
            "ScalingAdjustmentType": self.scaling_adjustment_type,
            "ComparisonOperator": self.comparison_operator,
            "Threshold": self.threshold,
            "EvaluationPeriods": self.evaluation_periods,
            "MetricName": self.metric_name,
            "PolicyType": self.policy_type,
            "TargetConfiguration": {"TargetValue": self.target_value} if self.target_value is not None else None,
            "UpdateStatus": "PENDING_UPDATE" if pending else None,
            "Location": location,
        }


class AutoScaler:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._policies: dict[str, ScalingPolicy] = {}
        self._timers = KeyedTimers(emulator.scheduler)
        self._tick: Timer | None = None
        self._next_tick = 0.0
        self._next_ordinal = 0

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        policies = sorted(self.emulator.store.load(KIND, ScalingPolicy), key=lambda p: p.ordinal)
        self._policies = {p.key: p for p in policies}
        self._next_ordinal = max((p.ordinal + 1 for p in policies), default=0)

    def resume(self) -> None:
        for policy in self._policies.values():
            if policy.status == PolicyStatus.UPDATE_REQUESTED:
                self._arm_activation(policy)
        self._ensure_ticking()

    def reset(self) -> None:
        self._timers.clear()
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        self._policies.clear()
        self._next_ordinal = 0

    def count(self) -> int:
        return len(self._policies)

    def interval(self) -> float:
        """Seconds of emulator time between evaluations (one "minute" of the policies' periods)."""
        return max(float(getattr(self.emulator.config, "scaling_interval_seconds", 60.0)), 0.001)

    def _save(self, policy: ScalingPolicy) -> None:
        self.emulator.store.put(KIND, policy.key, policy)

    def _forget(self, policy: ScalingPolicy) -> None:
        self._policies.pop(policy.key, None)
        self._timers.cancel(f"activate:{policy.key}")
        self.emulator.store.delete(KIND, policy.key)

    # -- PutScalingPolicy -------------------------------------------------------------
    def put(self, p: dict[str, Any]) -> ScalingPolicy:
        fleet = self.emulator.fleets.get(p["FleetId"])
        if fleet.is_anywhere:
            # "This API works with the following fleet types: EC2, Container".
            raise InvalidRequestException(
                f"Fleet {fleet.fleet_id} is an Anywhere fleet; scaling policies apply to managed EC2 fleets."
            )
        if fleet.status in _REFUSING:
            raise InvalidRequestException(
                f"Fleet {fleet.fleet_id} is {fleet.status}; scaling policies cannot be put on a fleet in "
                "ERROR or DELETING status."
            )
        spec = scaling.spec_from_request(p)
        name = p["Name"]
        existing = self._policies.get(f"{fleet.fleet_id}:{name}")
        if spec.policy_type == PolicyType.TARGET_BASED:
            # "you can have one target-based policy" per fleet. UNCONFIRMED: a second one
            # under another name is refused rather than replacing the first.
            other = next(
                (
                    q
                    for q in self.of_fleet(fleet.fleet_id)
                    if q.policy_type == PolicyType.TARGET_BASED and q.name != name
                ),
                None,
            )
            if other is not None:
                raise InvalidRequestException(
                    f"Fleet {fleet.fleet_id} already has the target-based scaling policy {other.name!r}; "
                    "a fleet can have one target-based policy. Update it by its name or delete it first."
                )
        now = self.emulator.clock.now()
        if existing is None:
            policy = ScalingPolicy(
                fleet_id=fleet.fleet_id,
                fleet_arn=fleet.fleet_arn,
                name=name,
                policy_type=spec.policy_type,
                metric_name=str(spec.metric_name),
                ordinal=self._next_ordinal,
            )
            self._next_ordinal += 1
            self._policies[policy.key] = policy
        else:
            policy = existing
        # Same name: the policy is replaced in full (documented: "provide a full version of the updated policy").
        policy.apply(spec)
        policy.status = PolicyStatus.UPDATE_REQUESTED
        policy.status_since = now
        self._save(policy)
        self._arm_activation(policy)
        self._ensure_ticking()
        log.info("fleet=%s scaling_policy=%r type=%s put", fleet.fleet_id, name, spec.policy_type)
        return policy

    def _arm_activation(self, policy: ScalingPolicy) -> None:
        key = policy.key
        stage = float(self.emulator.config.fleet_stage_seconds)
        self._timers.arm(f"activate:{key}", policy.status_since + stage, lambda: self._activate(key))

    def _activate(self, key: str) -> None:
        policy = self._policies.get(key)
        if policy is None or policy.status != PolicyStatus.UPDATE_REQUESTED:
            return
        policy.status = PolicyStatus.ACTIVE
        policy.status_since = self.emulator.clock.now()
        self._save(policy)

    # -- DescribeScalingPolicies / DeleteScalingPolicy ------------------------------------------------
    def of_fleet(self, fleet_id: str) -> list[ScalingPolicy]:
        return [p for p in self._policies.values() if p.fleet_id == fleet_id]

    def describe(
        self,
        fleet_id: str,
        status_filter: str | None = None,
        location: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        fleets = self.emulator.fleets
        fleet = fleets.get(fleet_id)
        if location is not None:
            names = [fleets.location_of(fleet, location).location]
        else:
            # Locations being deleted drop out; a fleet being deleted still shows its home.
            names = fleet.locations or [fleet.home_location]
        rows = []
        for policy in sorted(self.of_fleet(fleet.fleet_id), key=lambda p: p.ordinal):
            if status_filter is not None and policy.status != status_filter:
                continue
            for name in names:
                state = fleet.location_states[name]
                # UNCONFIRMED: PENDING_UPDATE while the policy has not been taken in, or while
                # the location is not ACTIVE yet (it cannot be scaled before).
                pending = policy.status == PolicyStatus.UPDATE_REQUESTED or state.status != FleetStatus.ACTIVE
                rows.append(policy.to_api(name, pending=pending))
        listing = f"scaling-policies/{fleet.fleet_id}/{location or ''}/{status_filter or ''}"
        return paginate(rows, limit, next_token, listing=listing)

    def delete(self, fleet_id: str, name: str) -> None:
        fleet = self.emulator.fleets.get(fleet_id)
        policy = self._policies.get(f"{fleet.fleet_id}:{name}")
        if policy is None:
            raise NotFoundException(f"Scaling policy {name!r} not found for fleet {fleet.fleet_id}.")
        self._forget(policy)
        log.info("fleet=%s scaling_policy=%r deleted", fleet.fleet_id, name)

    # -- evaluation -------------------------------------------------------------------
    def _ensure_ticking(self) -> None:
        if self._tick is None and self._policies:
            self._next_tick = self.emulator.clock.now() + self.interval()
            self._tick = self.emulator.scheduler.call_at(self._next_tick, self._on_tick)

    def _on_tick(self) -> None:
        self._tick = None
        try:
            self.evaluate()
        finally:
            if self._policies:
                # On the minute grid, so a long manual advance fires once per interval it passes.
                self._next_tick = max(self._next_tick + self.interval(), self.emulator.clock.now())
                self._tick = self.emulator.scheduler.call_at(self._next_tick, self._on_tick)

    def evaluate(self) -> None:
        """One evaluation of every policy: the body of the once-a-minute timer."""
        by_fleet: dict[str, list[ScalingPolicy]] = {}
        for policy in sorted(self._policies.values(), key=lambda p: p.ordinal):
            by_fleet.setdefault(policy.fleet_id, []).append(policy)
        for fleet_id, policies in by_fleet.items():
            fleet = self.emulator.fleets.find(fleet_id)
            if fleet is None or fleet.status == FleetStatus.TERMINATED:
                for policy in policies:
                    self._forget(policy)
                continue
            if fleet.status != FleetStatus.ACTIVE:
                continue
            live = set(fleet.locations)
            for policy in policies:
                # A deleted location's streaks and waits go with it (it may be added again later).
                stale = (set(policy.streaks) | set(policy.cooldown_until)) - live
                for name in stale:
                    policy.streaks.pop(name, None)
                    policy.cooldown_until.pop(name, None)
                if stale:
                    self._save(policy)
            for location in fleet.locations:
                self._evaluate_location(fleet, location, policies)

    def _evaluate_location(self, fleet: Fleet, location: str, policies: Iterable[ScalingPolicy]) -> None:
        state = fleet.location_states[location]
        if state.status != FleetStatus.ACTIVE:
            return
        in_force = [p for p in policies if p.status == PolicyStatus.ACTIVE]
        if FleetAction.AUTO_SCALING in state.stopped_actions:
            # Stopped: no scaling events. UNCONFIRMED: a rule's streak starts over when actions restart.
            for policy in in_force:
                if policy.streaks.pop(location, None) is not None:
                    self._save(policy)
            return
        if not in_force:
            return
        metrics = self.metrics(fleet, location)
        now = self.emulator.clock.now()
        for policy in in_force:
            before = state.desired
            streak = policy.streaks.get(location, 0)
            cooling = policy.cooldown_until.get(location, float("-inf")) > now
            decision, new_streak = scaling.decide(
                policy.spec(), metrics, Capacity(before, state.minimum, state.maximum), streak, cooling=cooling
            )
            changed = new_streak != streak
            if new_streak:
                policy.streaks[location] = new_streak
            else:
                policy.streaks.pop(location, None)
            if decision is not None and decision.desired != before:
                self.emulator.fleets.set_desired(
                    fleet.fleet_id, location, decision.desired, f"scaling policy {policy.name!r}: {decision.reason}"
                )
                if state.desired != before and policy.policy_type == PolicyType.RULE_BASED:
                    policy.cooldown_until[location] = now + scaling.COOLDOWN_PERIODS * self.interval()
                    changed = True
                log.info(
                    "fleet=%s location=%s scaling_policy=%r desired %s -> %s",
                    fleet.fleet_id,
                    location,
                    policy.name,
                    before,
                    state.desired,
                )
            if changed:
                self._save(policy)

    # -- metrics ------------------------------------------------------------------------
    def metrics(self, fleet: Fleet, location: str) -> LocationMetrics:
        """What the fleet's CloudWatch metrics would read for a location right now."""
        fleets = self.emulator.fleets
        active = [i for i in fleets.instances(fleet.fleet_id, location) if i.status == InstanceStatus.ACTIVE]
        active_ids = {i.instance_id for i in active}
        processes = list(fleets.processes.of_fleet(fleet.fleet_id, location))
        busy = {p.compute_name for p in processes if p.game_session_id is not None}
        idle_on: dict[str, int] = {}
        for process in processes:
            if process.idle and process.compute_name in active_ids:
                idle_on[process.compute_name] = idle_on.get(process.compute_name, 0) + 1
        activating_on: dict[str, int] = {}
        activating = active_sessions = current_players = available_players = 0
        for session in self._live_sessions(fleet.fleet_id, location):
            status = str(getattr(session, "status", ""))
            if status == "ACTIVATING":
                activating += 1
                compute = getattr(session, "compute_name", None)
                if compute:
                    activating_on[compute] = activating_on.get(compute, 0) + 1
            elif status == "ACTIVE":
                active_sessions += 1
                current = int(getattr(session, "current_player_session_count", 0))
                maximum = int(getattr(session, "maximum_player_session_count", 0))
                current_players += current
                available_players += max(0, maximum - current)
        config = fleet.runtime_configuration or {}
        max_activations = int(
            config.get("MaxConcurrentGameSessionActivations") or runtime.DEFAULT_MAX_CONCURRENT_ACTIVATIONS
        )
        # UNCONFIRMED (undocumented metric): sessions that could start activating now, per
        # instance the smaller of its idle processes and its activation allowance left.
        activatable = sum(
            min(idle_on.get(i.instance_id, 0), max(0, max_activations - activating_on.get(i.instance_id, 0)))
            for i in active
        )
        port_count = sum(high - low + 1 for low, high in ports.port_ranges(fleet.inbound_permissions))
        queue_depth, wait_time = self._queue_metrics(fleet.fleet_id, location)
        return LocationMetrics(
            active_instances=len(active),
            idle_instances=sum(1 for i in active if i.instance_id not in busy),
            activating_game_sessions=activating,
            active_game_sessions=active_sessions,
            available_game_sessions=sum(idle_on.values()),
            sessions_in_use=sum(1 for p in processes if p.game_session_id is not None),
            server_processes=sum(1 for p in processes if p.status != ProcessStatus.TERMINATED),
            current_player_sessions=current_players,
            available_player_sessions=available_players,
            concurrent_activatable_game_sessions=activatable,
            queue_depth=queue_depth,
            wait_time=wait_time,
            slots_per_instance=min(runtime.per_instance(config), port_count),
        )

    def _live_sessions(self, fleet_id: str, location: str) -> list[Any]:
        sessions = getattr(self.emulator, "game_sessions", None)
        live = getattr(sessions, "live_sessions", None)
        if live is None:
            return []
        return [s for s in live(fleet_id) if getattr(s, "location", None) == location]

    def _queue_metrics(self, fleet_id: str, location: str) -> tuple[float, float]:
        """QueueDepth and WaitTime from a queue service that offers them; 0 until queues exist.

        The seam: a service with ``scaling_queue_metrics(fleet_id, location) -> (depth, wait_seconds)``
        counting placements for which this fleet location is the top-priority destination.
        """
        for service in self.emulator.services.values():
            provide = getattr(service, "scaling_queue_metrics", None)
            if provide is not None:
                try:
                    depth, wait = provide(fleet_id, location)
                    return float(depth), float(wait)
                except Exception:
                    log.exception("scaling_queue_metrics(%s, %s) failed", fleet_id, location)
        return 0.0, 0.0
