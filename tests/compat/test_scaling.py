"""Auto-scaling through boto3 (both wire protocols): scaling policies and what they do to a fleet.

Policies are evaluated once a minute of emulator time; the manual clock moves
only when a test says so, so each ``minute(fresh)`` is one evaluation. Fleets
run two simulated server processes per instance, so one instance is two
game-session slots.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.emulator.launcher import EmulatorProcess
from tests.support.clients import gamelift_client
from tests.support.fleets import active_fleet, fleet_params, ready_build

MISSING_FLEET = "fleet-00000000-0000-0000-0000-000000000000"
STAGE_SECONDS = 1.0  # more than one fleet stage (0.2 s by default)
TARGET = {
    "PolicyType": "TargetBased",
    "MetricName": "PercentAvailableGameSessions",
    "TargetConfiguration": {"TargetValue": 50},
}


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def minute(fresh: EmulatorProcess, minutes: int = 1) -> None:
    fresh.advance(60 * minutes)


def rule(metric: str, operator: str, threshold: float, adjustment_type: str, adjustment: int, periods: int = 1) -> dict:
    return {
        "PolicyType": "RuleBased",
        "MetricName": metric,
        "ComparisonOperator": operator,
        "Threshold": threshold,
        "EvaluationPeriods": periods,
        "ScalingAdjustmentType": adjustment_type,
        "ScalingAdjustment": adjustment,
    }


def put(gl, fresh: EmulatorProcess, fleet_id: str, name: str, policy: dict[str, Any]) -> None:
    """Put a policy and let the service take it in (UPDATE_REQUESTED -> ACTIVE)."""
    assert gl.put_scaling_policy(FleetId=fleet_id, Name=name, **policy)["Name"] == name
    fresh.advance(STAGE_SECONDS)


def counts(gl, fleet_id: str) -> dict[str, int]:
    return gl.describe_fleet_capacity(FleetIds=[fleet_id])["FleetCapacity"][0]["InstanceCounts"]


def policies(gl, fleet_id: str, **params: Any) -> list[dict[str, Any]]:
    return gl.describe_scaling_policies(FleetId=fleet_id, **params)["ScalingPolicies"]


def start_session(gl, fresh: EmulatorProcess, fleet_id: str) -> dict[str, Any]:
    session = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=4)["GameSession"]
    fresh.advance(0)
    return gl.describe_game_sessions(GameSessionId=session["GameSessionId"])["GameSessions"][0]


def end_session(gl, fresh: EmulatorProcess, session: dict[str, Any]) -> None:
    gl.terminate_game_session(GameSessionId=session["GameSessionId"], TerminationMode="FORCE_TERMINATE")
    fresh.advance(0)


def scaling_messages(gl, fleet_id: str) -> list[str]:
    events = gl.describe_fleet_events(FleetId=fleet_id)["Events"]
    return [e["Message"] for e in events if e["EventCode"] == "FLEET_SCALING_EVENT"]


# -- PutScalingPolicy / DescribeScalingPolicies --------------------------------------------------------------
def test_put_target_policy_is_requested_then_active(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    assert gl.put_scaling_policy(FleetId=fleet_id, Name="buffer", **TARGET)["Name"] == "buffer"
    [requested] = policies(gl, fleet_id)
    assert requested["Status"] == "UPDATE_REQUESTED" and requested["UpdateStatus"] == "PENDING_UPDATE"
    fresh.advance(STAGE_SECONDS)
    [policy] = policies(gl, fleet_id)
    assert policy == {
        "FleetId": fleet_id,
        "FleetArn": f"arn:aws:gamelift:us-west-2:123456789012:fleet/{fleet_id}",
        "Name": "buffer",
        "Status": "ACTIVE",
        "MetricName": "PercentAvailableGameSessions",
        "PolicyType": "TargetBased",
        "TargetConfiguration": {"TargetValue": 50.0},
        "Location": "us-west-2",
    }


def test_put_rule_policy_shows_its_rule(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    fleet_arn = gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["FleetArn"]
    put(
        gl,
        fresh,
        fleet_arn,
        "shrink",
        rule("PercentIdleInstances", "GreaterThanThreshold", 20, "PercentChangeInCapacity", -10, periods=15),
    )
    [policy] = policies(gl, fleet_id)
    assert {k: policy[k] for k in policy if k not in ("FleetId", "FleetArn")} == {
        "Name": "shrink",
        "Status": "ACTIVE",
        "PolicyType": "RuleBased",
        "MetricName": "PercentIdleInstances",
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 20.0,
        "EvaluationPeriods": 15,
        "ScalingAdjustmentType": "PercentChangeInCapacity",
        "ScalingAdjustment": -10,
        "Location": "us-west-2",
    }


def test_same_name_updates_the_policy(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    put(gl, fresh, fleet_id, "first", rule("IdleInstances", "GreaterThanThreshold", 0, "ChangeInCapacity", -1))
    put(gl, fresh, fleet_id, "second", TARGET)
    gl.put_scaling_policy(
        FleetId=fleet_id, Name="first", **rule("QueueDepth", "GreaterThanThreshold", 5, "ExactCapacity", 2)
    )
    listed = policies(gl, fleet_id)
    assert [(p["Name"], p["Status"]) for p in listed] == [("first", "UPDATE_REQUESTED"), ("second", "ACTIVE")]
    assert (listed[0]["MetricName"], listed[0]["ScalingAdjustmentType"]) == ("QueueDepth", "ExactCapacity")
    # A fleet has one target-based policy; it is updated by its name.
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.put_scaling_policy(FleetId=fleet_id, Name="another-target", **TARGET)
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.put_scaling_policy(FleetId=fleet_id, Name="first", **TARGET)
    gl.put_scaling_policy(FleetId=fleet_id, Name="second", **{**TARGET, "TargetConfiguration": {"TargetValue": 5}})
    assert policies(gl, fleet_id)[1]["TargetConfiguration"] == {"TargetValue": 5.0}


@pytest.mark.parametrize(
    ("policy", "error"),
    [
        ({**TARGET, "MetricName": "IdleInstances"}, "InvalidRequestException"),
        ({k: v for k, v in TARGET.items() if k != "TargetConfiguration"}, "InvalidRequestException"),
        ({**TARGET, "TargetConfiguration": {"TargetValue": 150}}, "InvalidRequestException"),
        ({"PolicyType": "RuleBased", "MetricName": "IdleInstances", "Threshold": 1}, "InvalidRequestException"),
    ],
    ids=["target-on-other-metric", "target-without-value", "target-over-100", "rule-incomplete"],
)
def test_put_refuses_incomplete_policies(gl, fresh: EmulatorProcess, policy: dict, error: str) -> None:
    fleet_id = active_fleet(gl, fresh)
    with pytest.raises(ClientError) as exc:
        gl.put_scaling_policy(FleetId=fleet_id, Name="bad", **policy)
    assert code(exc) == error
    assert policies(gl, fleet_id) == []


def test_put_needs_a_fleet_that_can_scale(gl, fresh: EmulatorProcess) -> None:
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.put_scaling_policy(FleetId=MISSING_FLEET, Name="p", **TARGET)
    # A fleet still being built can take policies; they act once it is ACTIVE.
    building = gl.create_fleet(**fleet_params(ready_build(gl)))["FleetAttributes"]["FleetId"]
    gl.put_scaling_policy(FleetId=building, Name="early", **TARGET)
    deleting = active_fleet(gl, fresh)
    gl.delete_fleet(FleetId=deleting)
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.put_scaling_policy(FleetId=deleting, Name="late", **TARGET)


def test_describe_filters_locations_statuses_and_pages(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh, Locations=[{"Location": "us-west-2"}, {"Location": "eu-west-1"}])
    put(gl, fresh, fleet_id, "buffer", TARGET)
    gl.put_scaling_policy(
        FleetId=fleet_id, Name="grow", **rule("QueueDepth", "GreaterThanThreshold", 3, "ChangeInCapacity", 1)
    )
    every = policies(gl, fleet_id)
    assert [(p["Name"], p["Location"]) for p in every] == [
        ("buffer", "us-west-2"),
        ("buffer", "eu-west-1"),
        ("grow", "us-west-2"),
        ("grow", "eu-west-1"),
    ]
    remote = policies(gl, fleet_id, Location="eu-west-1")
    assert [(p["Name"], p["Location"]) for p in remote] == [("buffer", "eu-west-1"), ("grow", "eu-west-1")]
    assert [p["Name"] for p in policies(gl, fleet_id, StatusFilter="UPDATE_REQUESTED")] == ["grow", "grow"]
    assert policies(gl, fleet_id, StatusFilter="DELETING") == []
    first = gl.describe_scaling_policies(FleetId=fleet_id, Limit=3)
    assert len(first["ScalingPolicies"]) == 3 and first["NextToken"]
    rest = gl.describe_scaling_policies(FleetId=fleet_id, Limit=3, NextToken=first["NextToken"])
    assert rest["ScalingPolicies"] == [every[3]] and "NextToken" not in rest
    with pytest.raises(gl.exceptions.InvalidRequestException):
        gl.describe_scaling_policies(FleetId=fleet_id, NextToken="not-a-token")
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_scaling_policies(FleetId=fleet_id, Location="ap-south-1")
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_scaling_policies(FleetId=MISSING_FLEET)


# -- DeleteScalingPolicy --------------------------------------------------------------------------------------
def test_delete_scaling_policy(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, MaxSize=3)
    put(gl, fresh, fleet_id, "grow", rule("IdleInstances", "GreaterThanOrEqualToThreshold", 1, "ChangeInCapacity", 1))
    put(gl, fresh, fleet_id, "keep", rule("QueueDepth", "GreaterThanThreshold", 10, "ChangeInCapacity", 1))
    assert gl.delete_scaling_policy(FleetId=fleet_id, Name="grow")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [p["Name"] for p in policies(gl, fleet_id)] == ["keep"]
    minute(fresh, 2)
    assert counts(gl, fleet_id)["DESIRED"] == 1  # the deleted policy is no longer in force
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.delete_scaling_policy(FleetId=fleet_id, Name="grow")
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.delete_scaling_policy(FleetId=MISSING_FLEET, Name="keep")


# -- target tracking --------------------------------------------------------------------------------------------
def test_target_tracking_follows_the_load(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, MinSize=1, MaxSize=4)
    put(gl, fresh, fleet_id, "half-free", TARGET)  # keep 50% of the slots free

    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 1  # nothing in use: the minimum

    sessions = [start_session(gl, fresh, fleet_id) for _ in range(2)]  # instance 1 full: 0% free
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 2  # 2 in use -> 4 slots
    fresh.advance(STAGE_SECONDS)
    assert (counts(gl, fleet_id)["ACTIVE"], counts(gl, fleet_id)["IDLE"]) == (2, 1)

    sessions += [start_session(gl, fresh, fleet_id) for _ in range(2)]
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 4  # 4 in use -> 8 slots
    sessions += [start_session(gl, fresh, fleet_id) for _ in range(3)]
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 4  # held at MaxSize
    fresh.advance(STAGE_SECONDS)
    assert counts(gl, fleet_id)["ACTIVE"] == 4

    for session in sessions[2:]:
        end_session(gl, fresh, session)
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 2  # 2 in use again
    for session in sessions[:2]:
        end_session(gl, fresh, session)
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 1  # back to the minimum
    fresh.advance(STAGE_SECONDS)
    assert (counts(gl, fleet_id)["ACTIVE"], counts(gl, fleet_id)["TERMINATING"]) == (1, 0)
    messages = scaling_messages(gl, fleet_id)
    assert any("'half-free'" in m and "PercentAvailableGameSessions" in m for m in messages)


def test_target_tracking_does_not_scale_a_stopped_location(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, MaxSize=4)
    put(gl, fresh, fleet_id, "half-free", TARGET)
    gl.stop_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"])
    for _ in range(2):
        start_session(gl, fresh, fleet_id)
    minute(fresh, 3)
    assert counts(gl, fleet_id)["DESIRED"] == 1
    # "the policy status does not change" while the fleet's actions are suspended.
    assert policies(gl, fleet_id)[0]["Status"] == "ACTIVE"
    gl.start_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"])
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 2


# -- rule-based policies --------------------------------------------------------------------------------------------
def test_rule_waits_for_its_evaluation_periods_then_ten_minutes(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, MaxSize=5)
    put(
        gl, fresh, fleet_id, "grow", rule("IdleInstances", "GreaterThanOrEqualToThreshold", 1, "ChangeInCapacity", 1, 2)
    )
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 1  # one minute of two
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 2
    minute(fresh, 9)
    assert counts(gl, fleet_id)["DESIRED"] == 2  # the policy waits ten minutes after a change
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 3
    assert sum("'grow'" in m for m in scaling_messages(gl, fleet_id)) == 2


def test_rule_streak_restarts_when_the_condition_breaks(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, MaxSize=5)
    put(
        gl,
        fresh,
        fleet_id,
        "busy",
        rule("ActiveGameSessions", "GreaterThanOrEqualToThreshold", 1, "ChangeInCapacity", 2, 2),
    )
    session = start_session(gl, fresh, fleet_id)
    minute(fresh)
    end_session(gl, fresh, session)
    minute(fresh)
    session = start_session(gl, fresh, fleet_id)
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 1
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 3


@pytest.mark.parametrize(
    ("adjustment_type", "adjustment", "start", "expected"),
    [
        ("ChangeInCapacity", -2, 4, 2),
        ("ExactCapacity", 3, 1, 3),
        ("PercentChangeInCapacity", 50, 2, 3),
        ("PercentChangeInCapacity", -25, 4, 3),
        ("ChangeInCapacity", 9, 2, 5),  # held at MaxSize
    ],
)
def test_rule_adjustment_types(
    gl, fresh: EmulatorProcess, adjustment_type: str, adjustment: int, start: int, expected: int
) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=start, MaxSize=5)
    fresh.advance(STAGE_SECONDS)
    put(
        gl,
        fresh,
        fleet_id,
        "adjust",
        rule("ActiveInstances", "GreaterThanOrEqualToThreshold", 1, adjustment_type, adjustment),
    )
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == expected
    fresh.advance(STAGE_SECONDS)
    assert counts(gl, fleet_id)["ACTIVE"] == expected


def test_stop_fleet_actions_pauses_rule_policies(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, MaxSize=3)
    gl.stop_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"])
    # Put while stopped: in force once fleet actions restart (documented).
    put(gl, fresh, fleet_id, "grow", rule("IdleInstances", "GreaterThanOrEqualToThreshold", 1, "ChangeInCapacity", 1))
    minute(fresh, 5)
    assert counts(gl, fleet_id)["DESIRED"] == 1
    assert scaling_messages(gl, fleet_id) == [m for m in scaling_messages(gl, fleet_id) if "'grow'" not in m]
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=2)  # manual changes still work
    gl.start_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"])
    minute(fresh)
    assert counts(gl, fleet_id)["DESIRED"] == 3


def test_each_location_scales_on_its_own(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh, Locations=[{"Location": "us-west-2"}, {"Location": "eu-west-1"}])
    for location in ("us-west-2", "eu-west-1"):
        gl.update_fleet_capacity(FleetId=fleet_id, Location=location, MaxSize=3)
    # Stopping actions in one location opts it out of fleet-wide scaling (documented).
    gl.stop_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"], Location="eu-west-1")
    put(gl, fresh, fleet_id, "grow", rule("IdleInstances", "GreaterThanOrEqualToThreshold", 1, "ChangeInCapacity", 1))
    minute(fresh)

    def desired(location: str) -> int:
        capacity = gl.describe_fleet_location_capacity(FleetId=fleet_id, Location=location)["FleetCapacity"]
        return capacity["InstanceCounts"]["DESIRED"]

    assert (desired("us-west-2"), desired("eu-west-1")) == (2, 1)
    gl.start_fleet_actions(FleetId=fleet_id, Actions=["AUTO_SCALING"], Location="eu-west-1")
    minute(fresh)
    assert (desired("us-west-2"), desired("eu-west-1")) == (2, 2)  # us-west-2 waits out its ten minutes


def test_protected_sessions_survive_scale_in_by_a_policy(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=3, MaxSize=3)
    fresh.advance(STAGE_SECONDS)
    kept = start_session(gl, fresh, fleet_id)
    gl.update_game_session(GameSessionId=kept["GameSessionId"], ProtectionPolicy="FullProtection")
    others = [start_session(gl, fresh, fleet_id) for _ in range(3)]  # one shares its instance, two do not
    exposed = [s for s in others if s["ComputeName"] != kept["ComputeName"]]
    assert exposed and len({s["ComputeName"] for s in [kept, *others]}) == 2

    put(
        gl,
        fresh,
        fleet_id,
        "to-zero",
        rule("ActiveGameSessions", "GreaterThanOrEqualToThreshold", 1, "ExactCapacity", 0),
    )
    minute(fresh)
    fresh.advance(STAGE_SECONDS)
    assert counts(gl, fleet_id)["DESIRED"] == 0
    instances = gl.describe_instances(FleetId=fleet_id)["Instances"]
    assert [(i["InstanceId"], i["Status"]) for i in instances] == [(kept["ComputeName"], "ACTIVE")]
    status = {s["GameSessionId"]: s["Status"] for s in gl.describe_game_sessions(FleetId=fleet_id)["GameSessions"]}
    assert status[kept["GameSessionId"]] == "ACTIVE"
    for session in exposed:
        assert status[session["GameSessionId"]] == "TERMINATED"

    # Once the protected session ends, the instance it held goes too.
    end_session(gl, fresh, kept)
    fresh.advance(5)
    assert gl.describe_instances(FleetId=fleet_id)["Instances"] == []


# -- fleets that go away, restarts ----------------------------------------------------------------------------------
def test_deleted_fleet_takes_its_policies(gl, fresh: EmulatorProcess) -> None:
    fleet_id = active_fleet(gl, fresh)
    put(gl, fresh, fleet_id, "buffer", TARGET)
    gl.delete_fleet(FleetId=fleet_id)
    assert [p["Name"] for p in policies(gl, fleet_id)] == ["buffer"]
    minute(fresh, 2)
    with pytest.raises(gl.exceptions.NotFoundException):
        gl.describe_scaling_policies(FleetId=fleet_id)
    assert fresh.control("state")["resources"].get("scaling") == 0


def test_policies_survive_a_killed_emulator(tmp_path) -> None:
    database = str(tmp_path / "state.db")
    args = ["--clock", "manual", "--strict"]
    first = EmulatorProcess(database, args=args).start()
    try:
        gl = gamelift_client(first.url, "json")
        fleet_id = active_fleet(gl, first)
        gl.update_fleet_capacity(FleetId=fleet_id, MaxSize=5)
        put(
            gl,
            first,
            fleet_id,
            "grow",
            rule("IdleInstances", "GreaterThanOrEqualToThreshold", 1, "ChangeInCapacity", 1, 2),
        )
        minute(first)  # one breach of two
    finally:
        first.kill()
    second = EmulatorProcess(database, args=args).start()
    try:
        gl = gamelift_client(second.url, "json")
        assert [(p["Name"], p["Status"]) for p in policies(gl, fleet_id)] == [("grow", "ACTIVE")]
        minute(second)
        assert counts(gl, fleet_id)["DESIRED"] == 2
    finally:
        second.stop()
