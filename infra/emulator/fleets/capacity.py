"""Fleet capacity: desired/min/max rules, instance limits, counts and scale-in choices.

Pure functions over records, so the rules can be tested by table; the fleet
service applies their results.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra.emulator.errors import InvalidRequestException, LimitExceededException
from infra.emulator.fleets.model import FleetLocation, Instance, InstanceStatus

# Instances of one type an account may run in one location. UNCONFIRMED: the
# real limit differs per instance type and account; this is a generous stand-in.
INSTANCE_LIMIT = 100


def resolve(
    current: FleetLocation, desired: int | None, minimum: int | None, maximum: int | None
) -> tuple[int, int, int]:
    """The (desired, min, max) an UpdateFleetCapacity call leaves, or the error the service answers.

    An explicit DesiredInstances must lie within the limits; when only the
    limits change, the current desired count is pulled inside them (the
    service then adds or removes instances to match).
    """
    new_min = current.minimum if minimum is None else minimum
    new_max = current.maximum if maximum is None else maximum
    if new_min > new_max:
        raise InvalidRequestException(f"MinSize ({new_min}) cannot be greater than MaxSize ({new_max})")
    if desired is None:
        new_desired = min(max(current.desired, new_min), new_max)
    else:
        if desired < new_min or desired > new_max:
            raise InvalidRequestException(
                f"DesiredInstances ({desired}) must be between MinSize ({new_min}) and MaxSize ({new_max})"
            )
        new_desired = desired
    return new_desired, new_min, new_max


def check_limit(instance_type: str, location: str, requested: int, others: int) -> None:
    """``others``: instances of this type the account already wants in this location elsewhere."""
    if requested + others > INSTANCE_LIMIT:
        raise LimitExceededException(
            f"Requested capacity of {requested} {instance_type} instances in {location} exceeds the limit: "
            f"{others} already in use of {INSTANCE_LIMIT} allowed (see DescribeEC2InstanceLimits)"
        )


def instance_counts(state: FleetLocation, instances: Iterable[Instance], busy: set[str]) -> dict[str, Any]:
    """EC2InstanceCounts; ``busy`` holds the ids of instances hosting at least one game session."""
    pending = active = idle = terminating = 0
    for instance in instances:
        if instance.status == InstanceStatus.PENDING:
            pending += 1
        elif instance.status == InstanceStatus.ACTIVE:
            active += 1
            if instance.instance_id not in busy:
                idle += 1
        else:
            terminating += 1
    return {
        "DESIRED": state.desired,
        "MINIMUM": state.minimum,
        "MAXIMUM": state.maximum,
        "PENDING": pending,
        "ACTIVE": active,
        "IDLE": idle,
        "TERMINATING": terminating,
    }


def scale_in_victims(
    instances: list[Instance], excess: int, sessions: dict[str, int], protected: set[str]
) -> list[Instance]:
    """Which instances to terminate to shed ``excess``: never protected ones, pending and idle first.

    ``sessions`` counts game sessions per instance id; ``protected`` holds
    instances hosting a session that may not be interrupted by scale-in.
    """
    candidates = [i for i in instances if i.status != InstanceStatus.TERMINATING and i.instance_id not in protected]
    candidates.sort(
        key=lambda i: (
            i.status != InstanceStatus.PENDING,
            sessions.get(i.instance_id, 0),
            -i.creation_time,
        )
    )
    return candidates[: max(0, excess)]
