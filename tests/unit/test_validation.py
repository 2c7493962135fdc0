"""Table tests for the emulator's request validator (infra.emulator.protocol.validation).

Everything is checked against botocore's real GameLift model: hand-written
valid and invalid requests for a few operations, a minimal (and a full) valid
request generated from the model for every operation, and hypothesis garbage
for every operation.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import botocore.model
import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.emulator.protocol import validation
from infra.emulator.protocol.validation import (
    BodyNotAnObjectError,
    InputValidationError,
    compile_validator,
)

MODEL = botocore.session.get_session().get_service_model("gamelift")
OPERATIONS = sorted(MODEL.operation_names)

FLEET_ID = "fleet-2222bbbb-33cc-44dd-55ee-6666ffff77aa"


def validator(operation: str):
    return compile_validator(MODEL.operation_model(operation).input_shape)


def pattern_of(operation: str, member: str) -> str:
    return MODEL.operation_model(operation).input_shape.members[member].metadata["pattern"]


def errors_of(operation: str, body: Any) -> list[str]:
    with pytest.raises(InputValidationError) as info:
        validator(operation)(body)
    return info.value.errors


# --------------------------------------------------------------------------- valid requests

VALID = [
    pytest.param(
        "CreateGameSession",
        {
            "FleetId": FLEET_ID,
            "MaximumPlayerSessionCount": 8,
            "Name": "arena",
            "GameProperties": [{"Key": "mode", "Value": "ffa"}],
            "IdempotencyToken": "token-1",
            "Location": "us-west-2",
            "UnknownMember": {"ignored": True},
            "CreatorId": None,
        },
        {
            "FleetId": FLEET_ID,
            "MaximumPlayerSessionCount": 8,
            "Name": "arena",
            "GameProperties": [{"Key": "mode", "Value": "ffa"}],
            "IdempotencyToken": "token-1",
            "Location": "us-west-2",
        },
        id="create-game-session-drops-unknown-and-null",
    ),
    pytest.param(
        "CreateGameSession",
        {"AliasId": "arn:aws:gamelift:us-west-2::alias/alias-1234", "MaximumPlayerSessionCount": 4.0},
        {"AliasId": "arn:aws:gamelift:us-west-2::alias/alias-1234", "MaximumPlayerSessionCount": 4},
        id="integral-float-becomes-int",
    ),
    pytest.param(
        "CreateGameSession",
        {
            "FleetId": f"arn:aws:gamelift:us-west-2:123456789012:fleet/{FLEET_ID}",
            "MaximumPlayerSessionCount": 0,
        },
        {
            "FleetId": f"arn:aws:gamelift:us-west-2:123456789012:fleet/{FLEET_ID}",
            "MaximumPlayerSessionCount": 0,
        },
        id="fleet-arn-and-min-boundary",
    ),
    pytest.param(
        "CreateFleet",
        {
            "Name": "my fleet",
            "BuildId": "build-1111aaaa-22bb-33cc-44dd-5555eeee66ff",
            "EC2InstanceType": "c5.large",
            "FleetType": "SPOT",
            "EC2InboundPermissions": [
                {"FromPort": 7777, "ToPort": 7780, "IpRange": "0.0.0.0/0", "Protocol": "UDP"}
            ],
            "RuntimeConfiguration": {
                "ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 2}],
                "GameSessionActivationTimeoutSeconds": 600,
            },
            "InstanceRoleArn": "arn:aws:iam::123456789012:role/GameLift",
            "Tags": [{"Key": "team", "Value": ""}],
        },
        None,
        id="create-fleet",
    ),
    pytest.param(
        "SearchGameSessions",
        {"FleetId": FLEET_ID, "FilterExpression": "hasAvailablePlayerSessions=true", "Limit": 1},
        None,
        id="search-game-sessions",
    ),
    pytest.param(
        "UpdateRuntimeConfiguration",
        {
            "FleetId": FLEET_ID,
            "RuntimeConfiguration": {
                "ServerProcesses": [
                    {
                        "LaunchPath": "C:\\game\\server.exe",
                        "Parameters": "-port 7777 +map=arena",
                        "ConcurrentExecutions": 1,
                    }
                ],
                "MaxConcurrentGameSessionActivations": 2147483647,
            },
        },
        None,
        id="update-runtime-configuration",
    ),
    pytest.param(
        "DescribeFleetEvents",
        {"FleetId": FLEET_ID, "StartTime": 1700000000, "EndTime": 1700000000.5},
        {"FleetId": FLEET_ID, "StartTime": 1700000000.0, "EndTime": 1700000000.5},
        id="timestamps-epoch",
    ),
    pytest.param(
        "DescribeFleetEvents",
        {"FleetId": FLEET_ID, "StartTime": "2024-01-01T00:00:00Z", "EndTime": "2024-01-01T01:00:00+01:00"},
        {"FleetId": FLEET_ID, "StartTime": 1704067200.0, "EndTime": 1704067200.0},
        id="timestamps-iso8601",
    ),
    pytest.param(
        "DescribeFleetEvents",
        {
            "FleetId": FLEET_ID,
            "StartTime": datetime(2024, 1, 1, tzinfo=UTC),
            "EndTime": datetime(2024, 1, 1, 0, 0, 1),  # naive: UTC
        },
        {"FleetId": FLEET_ID, "StartTime": 1704067200.0, "EndTime": 1704067201.0},
        id="timestamps-datetime",
    ),
    pytest.param(
        "CreatePlayerSessions",
        {
            "GameSessionId": "arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-1",
            "PlayerIds": ["player-1", "player-2"],
            "PlayerDataMap": {"player-1": '{"skill": 10}', "player-2": "x"},
        },
        None,
        id="create-player-sessions-map",
    ),
    pytest.param(
        "TagResource",
        {"ResourceARN": "arn:aws:gamelift:us-west-2::fleet/fleet-1", "Tags": []},
        None,
        id="tag-resource-empty-list",
    ),
    pytest.param(
        "CreateScript",
        {"Name": "script", "ZipFile": base64.b64encode(b"PK\x03\x04zip").decode()},
        {"Name": "script", "ZipFile": b"PK\x03\x04zip"},
        id="blob-base64",
    ),
    pytest.param(
        "CreateScript",
        {"Name": "script", "ZipFile": bytearray(b"PK\x03\x04zip"), "NodeJsVersion": "24.x"},
        {"Name": "script", "ZipFile": b"PK\x03\x04zip", "NodeJsVersion": "24.x"},
        id="blob-bytes",
    ),
    pytest.param(
        "StartMatchmaking",
        {
            "ConfigurationName": "my-config",
            "Players": [
                {
                    "PlayerId": "player-1",
                    "PlayerAttributes": {"skill": {"N": 10}, "modes": {"SDM": {"ffa": 1.5, "ctf": 2}}},
                    "LatencyInMs": {"us-west-2": 40},
                }
            ],
        },
        {
            "ConfigurationName": "my-config",
            "Players": [
                {
                    "PlayerId": "player-1",
                    "PlayerAttributes": {"skill": {"N": 10.0}, "modes": {"SDM": {"ffa": 1.5, "ctf": 2.0}}},
                    "LatencyInMs": {"us-west-2": 40},
                }
            ],
        },
        id="doubles-normalised-to-float",
    ),
    pytest.param(
        "CreateMatchmakingConfiguration",
        {
            "Name": "my-config",
            "RequestTimeoutSeconds": 60,
            "AcceptanceRequired": False,
            "RuleSetName": "my-rules",
        },
        None,
        id="boolean-false",
    ),
    pytest.param(
        "UpdateFleetAttributes",
        {"FleetId": FLEET_ID, "Name": "a" * 1024},
        None,
        id="max-length-boundary",
    ),
]


@pytest.mark.parametrize(("operation", "body", "expected"), VALID)
def test_valid_requests_pass_and_are_normalised(operation: str, body: dict, expected: dict | None) -> None:
    result = validator(operation)(body)
    assert result == (body if expected is None else expected)
    assert result is not body


def test_role_arn_pattern_has_find_semantics() -> None:
    # IamRoleArn's pattern has no '$': AWS (Java find) accepts trailing text, and so do we.
    role = "arn:aws:iam::123456789012:role/GameLift and more!"
    assert (
        validator("CreateBuild")(
            {"Name": "b", "StorageLocation": {"Bucket": "bucket", "Key": "key", "RoleArn": role}}
        )["StorageLocation"]["RoleArn"]
        == role
    )


def test_none_body_is_an_empty_object() -> None:
    assert validator("ListFleets")(None) == {}
    assert errors_of("CreateGameSession", None) == [
        "Value null at 'maximumPlayerSessionCount' failed to satisfy constraint: Member must not be null"
    ]


# --------------------------------------------------------------------------- invalid requests

FLEET_PATTERN = pattern_of("CreateGameSession", "FleetId")

INVALID = [
    pytest.param(
        "CreateGameSession",
        {"FleetId": "abc", "MaximumPlayerSessionCount": 1},
        [
            "Value 'abc' at 'fleetId' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {FLEET_PATTERN}"
        ],
        id="pattern",
    ),
    pytest.param(
        "CreateGameSession",
        {"FleetId": FLEET_ID},
        ["Value null at 'maximumPlayerSessionCount' failed to satisfy constraint: Member must not be null"],
        id="required-missing",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": None},
        ["Value null at 'maximumPlayerSessionCount' failed to satisfy constraint: Member must not be null"],
        id="required-null",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": -1},
        [
            "Value '-1' at 'maximumPlayerSessionCount' failed to satisfy constraint: "
            "Member must have value greater than or equal to 0"
        ],
        id="number-min",
    ),
    pytest.param(
        "UpdateRuntimeConfiguration",
        {"FleetId": FLEET_ID, "RuntimeConfiguration": {"GameSessionActivationTimeoutSeconds": 601}},
        [
            "Value '601' at 'runtimeConfiguration.gameSessionActivationTimeoutSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 600"
        ],
        id="number-max-nested",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": 2**31},
        [
            "Value '2147483648' at 'maximumPlayerSessionCount' failed to satisfy constraint: "
            "Member must have value less than or equal to 2147483647"
        ],
        id="int32-overflow",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": 1, "Name": ""},
        [
            "Value '' at 'name' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        ],
        id="length-min",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": 1, "Name": "n" * 1025},
        [
            f"Value '{'n' * 100}...' at 'name' failed to satisfy constraint: "
            "Member must have length less than or equal to 1024"
        ],
        id="length-max-value-truncated",
    ),
    pytest.param(
        "CreateFleet",
        {"Name": "f", "FleetType": "CHEAP"},
        [
            "Value 'CHEAP' at 'fleetType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [ON_DEMAND, SPOT]"
        ],
        id="enum",
    ),
    pytest.param(
        "CreateFleet",
        {"Name": "f", "EC2InstanceType": "huge"},
        [
            "Value 'huge' at 'eC2InstanceType' failed to satisfy constraint: "
            "Member must satisfy enum value set: [t2.micro"
        ],
        id="enum-lower-camel-like-coral",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": "5"},
        [
            "Value '5' at 'maximumPlayerSessionCount' failed to satisfy constraint: "
            "Member must be of type integer"
        ],
        id="type-integer-from-string",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": True},
        [
            "Value 'true' at 'maximumPlayerSessionCount' failed to satisfy constraint: "
            "Member must be of type integer"
        ],
        id="type-integer-from-bool",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": 2.5},
        [
            "Value '2.5' at 'maximumPlayerSessionCount' failed to satisfy constraint: "
            "Member must be of type integer"
        ],
        id="type-integer-from-fraction",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": 1, "Name": 42},
        ["Value '42' at 'name' failed to satisfy constraint: Member must be of type string"],
        id="type-string",
    ),
    pytest.param(
        "CreateMatchmakingConfiguration",
        {"Name": "c", "RequestTimeoutSeconds": 1, "AcceptanceRequired": "true", "RuleSetName": "r"},
        ["Value 'true' at 'acceptanceRequired' failed to satisfy constraint: Member must be of type boolean"],
        id="type-boolean",
    ),
    pytest.param(
        "CreateGameSession",
        {"MaximumPlayerSessionCount": 1, "GameProperties": {"Key": "k", "Value": "v"}},
        [
            'Value \'{"Key": "k", "Value": "v"}\' at \'gameProperties\' failed to satisfy constraint: '
            "Member must be of type list"
        ],
        id="type-list",
    ),
    pytest.param(
        "UpdateRuntimeConfiguration",
        {"FleetId": FLEET_ID, "RuntimeConfiguration": "fast"},
        [
            "Value 'fast' at 'runtimeConfiguration' failed to satisfy constraint: "
            "Member must be of type structure"
        ],
        id="type-structure",
    ),
    pytest.param(
        "CreatePlayerSessions",
        {"GameSessionId": "gsess-1", "PlayerIds": ["p"], "PlayerDataMap": [["p", "data"]]},
        [
            "Value '[[\"p\", \"data\"]]' at 'playerDataMap' failed to satisfy constraint: "
            "Member must be of type map"
        ],
        id="type-map",
    ),
    pytest.param(
        "DescribeFleetEvents",
        {"FleetId": FLEET_ID, "StartTime": "yesterday", "EndTime": True},
        [
            "Value 'yesterday' at 'startTime' failed to satisfy constraint: "
            "Member must be a valid ISO-8601 timestamp",
            "Value 'true' at 'endTime' failed to satisfy constraint: Member must be of type timestamp",
        ],
        id="type-timestamp",
    ),
    pytest.param(
        "CreateScript",
        {"ZipFile": "not base64!"},
        [
            "Value 'not base64!' at 'zipFile' failed to satisfy constraint: "
            "Member must be a valid base64-encoded blob"
        ],
        id="blob-bad-base64",
    ),
    pytest.param(
        "CreateScript",
        {"ZipFile": 5},
        ["Value '5' at 'zipFile' failed to satisfy constraint: Member must be of type blob"],
        id="type-blob",
    ),
    pytest.param(
        "CreateScript",
        {"ZipFile": b"\0" * 5_000_001},
        ["at 'zipFile' failed to satisfy constraint: Member must have length less than or equal to 5000000"],
        id="blob-max",
    ),
    pytest.param(
        "StartMatchmaking",
        {"ConfigurationName": "c", "Players": [{"PlayerAttributes": {"skill": {"N": float("nan")}}}]},
        [
            "Value 'nan' at 'players.1.member.playerAttributes.1.value.n' failed to satisfy constraint: "
            "Member must be a finite number"
        ],
        id="double-nan",
    ),
    pytest.param(
        "StartMatchmaking",
        {"ConfigurationName": "c", "Players": [{"PlayerAttributes": {"skill": {"N": "10"}}}]},
        [
            "Value '10' at 'players.1.member.playerAttributes.1.value.n' failed to satisfy constraint: "
            "Member must be of type double"
        ],
        id="type-double",
    ),
    pytest.param(
        "CreateContainerGroupDefinition",
        {
            "Name": "group",
            "TotalMemoryLimitMebibytes": 4,
            "TotalVcpuLimit": 0.1,
            "OperatingSystem": "AMAZON_LINUX_2023",
        },
        [
            "Value '0.1' at 'totalVcpuLimit' failed to satisfy constraint: "
            "Member must have value greater than or equal to 0.125"
        ],
        id="double-min",
    ),
    pytest.param(
        "TagResource",
        {"ResourceARN": "arn", "Tags": [{"Key": "a", "Value": "b"}, {"Key": "", "Value": "v" * 257}]},
        [
            "Value '' at 'tags.2.member.key' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
            "at 'tags.2.member.value' failed to satisfy constraint: "
            "Member must have length less than or equal to 256",
        ],
        id="list-item-paths",
    ),
    pytest.param(
        "TagResource",
        {"ResourceARN": "arn", "Tags": [None]},
        ["Value null at 'tags.1.member' failed to satisfy constraint: Member must not be null"],
        id="list-null-item",
    ),
    pytest.param(
        "TagResource",
        {"ResourceARN": "arn", "Tags": [{"Key": "k", "Value": "v"}] * 201},
        ["at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200"],
        id="list-max",
    ),
    pytest.param(
        "CreatePlayerSessions",
        {"GameSessionId": "gsess-1", "PlayerIds": []},
        [
            "Value at 'playerIds' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        ],
        id="list-min-sensitive-value-hidden",
    ),
    pytest.param(
        "CreatePlayerSessions",
        {
            "GameSessionId": "gsess-1",
            "PlayerIds": ["p"],
            "PlayerDataMap": {"p1": "ok", "": "secret", 7: None},
        },
        [
            "Value '' at 'playerDataMap.2.key' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
            "Value '7' at 'playerDataMap.3.key' failed to satisfy constraint: Member must be of type string",
            "Value null at 'playerDataMap.3.value' failed to satisfy constraint: Member must not be null",
        ],
        id="map-entry-paths",
    ),
    pytest.param(
        "CreatePlayerSessions",
        {"GameSessionId": "gsess-1", "PlayerIds": ["p"], "PlayerDataMap": {"p1": "x" * 2049}},
        [
            "Value at 'playerDataMap.1.value' failed to satisfy constraint: "
            "Member must have length less than or equal to 2048"
        ],
        id="map-sensitive-value-hidden",
    ),
    pytest.param(
        "CreateFleet",
        {"Name": "f", "EC2InboundPermissions": [{"FromPort": 0, "ToPort": 70000, "IpRange": "0.0.0.0 /0"}]},
        [
            "Value at 'eC2InboundPermissions.1.member.fromPort' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
            "Value at 'eC2InboundPermissions.1.member.toPort' failed to satisfy constraint: "
            "Member must have value less than or equal to 60000",
            "Value at 'eC2InboundPermissions.1.member.ipRange' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[^\\s]+$",
            "Value null at 'eC2InboundPermissions.1.member.protocol' failed to satisfy constraint: "
            "Member must not be null",
        ],
        id="nested-sensitive-several",
    ),
    pytest.param(
        "UpdateRuntimeConfiguration",
        {"FleetId": FLEET_ID, "RuntimeConfiguration": {"ServerProcesses": [{"LaunchPath": "/game\tserver"}]}},
        [
            "Value '/game\tserver' at 'runtimeConfiguration.serverProcesses.1.member.launchPath' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: ",
            "Value null at 'runtimeConfiguration.serverProcesses.1.member.concurrentExecutions' failed to "
            "satisfy constraint: Member must not be null",
        ],
        id="update-runtime-configuration-nested",
    ),
    pytest.param(
        "CreateFleet",
        {"Name": "", "BuildId": "bld-1", "Locations": []},
        [
            "Value '' at 'name' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
            "Value 'bld-1' at 'buildId' failed to satisfy constraint: Member must satisfy regular expression",
            "Value '[]' at 'locations' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
        ],
        id="several-errors-in-model-order",
    ),
    pytest.param(
        "DescribeGameServerInstances",
        {"GameServerGroupName": "g", "InstanceIds": ["i-123"]},
        [
            "Value 'i-123' at 'instanceIds.1.member' failed to satisfy constraint: "
            "Member must have length greater than or equal to 19",
            "Value 'i-123' at 'instanceIds.1.member' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^i-[0-9a-zA-Z]{17}$",
        ],
        id="one-value-breaks-two-constraints",
    ),
]


@pytest.mark.parametrize(("operation", "body", "expected"), INVALID)
def test_invalid_requests_report_every_error(operation: str, body: dict, expected: list[str]) -> None:
    errors = errors_of(operation, body)
    assert len(errors) == len(expected), errors
    for error, fragment in zip(errors, expected, strict=True):
        assert fragment in error


def test_message_format_for_several_errors() -> None:
    with pytest.raises(InputValidationError) as info:
        validator("CreateGameSession")({"FleetId": "abc", "MaximumPlayerSessionCount": -1, "Name": ""})
    assert str(info.value) == (
        "3 validation errors detected: "
        f"Value 'abc' at 'fleetId' failed to satisfy constraint: Member must satisfy regular expression "
        f"pattern: {FLEET_PATTERN}; "
        "Value '-1' at 'maximumPlayerSessionCount' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0; "
        "Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
    )
    assert len(info.value.errors) == 3


def test_message_format_for_one_error() -> None:
    with pytest.raises(InputValidationError) as info:
        validator("DescribeFleetAttributes")({"Limit": 0})
    assert str(info.value) == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


@pytest.mark.parametrize("body", [[], [{"FleetId": FLEET_ID}], "{}", 5, 1.5, True, b"\xa0"])
def test_body_that_is_not_an_object(body: Any) -> None:
    with pytest.raises(BodyNotAnObjectError) as info:
        validator("CreateGameSession")(body)
    assert isinstance(info.value, InputValidationError)
    assert len(info.value.errors) == 1
    assert str(info.value) == info.value.errors[0]
    assert "must be a JSON object" in str(info.value)


def test_validators_are_cached_per_shape() -> None:
    first = validator("CreateFleet")
    assert validator("CreateFleet") is first
    shape = MODEL.operation_model("CreateFleet").input_shape
    key = (shape._shape_resolver, "RuntimeConfiguration")
    assert key in validation._CACHE


# --------------------------------------------------------------------------- synthetic shapes


def synthetic(shapes: dict[str, dict], name: str = "Input") -> botocore.model.StructureShape:
    return botocore.model.ShapeResolver(shapes).get_shape_by_name(name)


def test_union_must_have_exactly_one_member() -> None:
    shape = synthetic(
        {
            "Input": {
                "type": "structure",
                "required": ["Choice"],
                "members": {"Choice": {"shape": "Choice"}},
            },
            "Choice": {
                "type": "structure",
                "union": True,
                "members": {"A": {"shape": "S"}, "B": {"shape": "I"}},
            },
            "S": {"type": "string"},
            "I": {"type": "integer"},
        }
    )
    validate = compile_validator(shape)
    assert validate({"Choice": {"A": "x"}}) == {"Choice": {"A": "x"}}
    assert validate({"Choice": {"B": 1, "A": None}}) == {"Choice": {"B": 1}}
    for bad in ({}, {"A": "x", "B": 1}):
        with pytest.raises(InputValidationError) as info:
            validate({"Choice": bad})
        assert info.value.errors == [
            f"Value '{validation._excerpt(bad)[1:-1]}' at 'choice' failed to satisfy constraint: "
            "Member must have exactly one member set"
        ]


def test_recursive_shapes() -> None:
    shape = synthetic(
        {
            "Input": {"type": "structure", "members": {"Root": {"shape": "Node"}}},
            "Node": {
                "type": "structure",
                "required": ["Name"],
                "members": {"Name": {"shape": "S"}, "Children": {"shape": "Nodes"}},
            },
            "Nodes": {"type": "list", "member": {"shape": "Node"}},
            "S": {"type": "string", "min": 1},
        }
    )
    validate = compile_validator(shape)
    tree = {"Root": {"Name": "a", "Children": [{"Name": "b", "Children": [{"Name": "c"}]}]}}
    assert validate(tree) == tree
    with pytest.raises(InputValidationError) as info:
        validate({"Root": {"Name": "a", "Children": [{"Name": "b", "Children": [{"Name": ""}, {}]}]}})
    assert info.value.errors == [
        "Value '' at 'root.children.1.member.children.1.member.name' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
        "Value null at 'root.children.1.member.children.2.member.name' failed to satisfy constraint: "
        "Member must not be null",
    ]


def test_long_type_range() -> None:
    shape = synthetic(
        {"Input": {"type": "structure", "members": {"N": {"shape": "L"}}}, "L": {"type": "long", "min": 0}}
    )
    validate = compile_validator(shape)
    assert validate({"N": 2**63 - 1}) == {"N": 2**63 - 1}
    with pytest.raises(InputValidationError, match="less than or equal to 9223372036854775807"):
        validate({"N": 2**63})


def test_unsupported_pattern_is_skipped_and_recorded() -> None:
    shape = synthetic(
        {
            "Input": {
                "type": "structure",
                "members": {"A": {"shape": "Consonants"}, "B": {"shape": "Letters"}},
            },
            "Consonants": {"type": "string", "pattern": "^[a-z&&[^aeiou]]+$"},
            "Letters": {"type": "string", "pattern": "^\\p{L}+$"},
        }
    )
    validate = compile_validator(shape)
    assert validate({"A": "aeiou", "B": "123"}) == {"A": "aeiou", "B": "123"}
    recorded = {(name, pattern) for name, pattern, _reason in validation.UNSUPPORTED_PATTERNS}
    assert ("Consonants", "^[a-z&&[^aeiou]]+$") in recorded
    assert ("Letters", "^\\p{L}+$") in recorded


def test_every_gamelift_pattern_compiles() -> None:
    for operation in OPERATIONS:
        validator(operation)
    model_patterns = {
        shape.metadata["pattern"] for shape in all_input_shapes() if "pattern" in shape.metadata
    }
    assert not [entry for entry in validation.UNSUPPORTED_PATTERNS if entry[1] in model_patterns]


JAVA_PATTERNS = [
    # (Java pattern, text, matches)
    ("^[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]+$", "lt-0a\U0001f600", True),
    ("^[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]+$", "a\x00", False),
    ("^[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]+$", "a\ufffe", False),
    ("^\\uD83D\\uDE00$", "\U0001f600", True),
    ("^\\x{1F600}$", "\U0001f600", True),
    ("^\\Qa.b\\E$", "a.b", True),
    ("^\\Qa.b\\E$", "axb", False),
    ("^\\p{Alpha}+\\z", "abc", True),
    ("^\\p{Alpha}+\\z", "ab1", False),
    ("^[\\p{Digit}x]+$", "1x2", True),
    ("^\\P{Digit}+$", "ab", True),
    ("^(?<word>[a-z]+)$", "abc", True),
    ("(?<=a)b", "ab", True),
    ("^\\s$", "\u00a0", False),  # Java's \s is ASCII-only
    ("^\\w+$", "\u00e9", False),
    ("^\\d+$", "\u0663", False),
    ("^[a-z]*fleet-[a-zA-Z0-9\\-]+", "fleet-1 and more", True),  # find semantics
    ("^[]a]+$", "]a", True),
    ("^[^]a]+$", "b", True),
]


@pytest.mark.parametrize(("pattern", "text", "matches"), JAVA_PATTERNS)
def test_java_pattern_translation(pattern: str, text: str, matches: bool) -> None:
    regex = validation._compile_pattern("Test", pattern)
    assert regex is not None
    assert (regex.search(text) is not None) is matches


# --------------------------------------------------------------------------- generated valid inputs

# Known-good values for every patterned string shape of the GameLift model.
SAMPLES = {
    "AliasIdOrArn": "alias-1a2b3c4d-5678-90ab-cdef-1234567890ab",
    "ArnStringModel": "arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-1",
    "BuildIdOrArn": "build-1111aaaa-22bb-33cc-44dd-5555eeee66ff",
    "ComputeName": "compute-1",
    "ComputeNameOrArn": "compute-1",
    "ContainerGroupDefinitionName": "my-group",
    "ContainerGroupDefinitionNameOrArn": (
        "arn:aws:gamelift:us-west-2:123456789012:containergroupdefinition/g:1"
    ),
    "ContainerNameQueryFilter": "game_server",
    "ContainerPathString": "/local/game",
    "CustomInputLocationStringModel": "custom-home-1",
    "CustomLocationNameOrArnModel": "custom-home-1",
    "DeliveryDestinationArnStringModel": "arn:aws:logs:us-west-2:123456789012:delivery-destination:d",
    "DeploymentId": "deployment-1",
    "DnsNameInput": "game.example.com",
    "FleetId": FLEET_ID,
    "FleetIdOrArn": FLEET_ID,
    "GameServerConnectionInfo": "10.0.0.1:7777",
    "GameServerData": '{"mode": "ffa"}',
    "GameServerGroupName": "my-game-servers",
    "GameServerGroupNameOrArn": "my-game-servers",
    "GameServerId": "server-1",
    "GameServerInstanceId": "i-0123456789abcdef0",
    "GameSessionQueueName": "my-queue",
    "GameSessionQueueNameOrArn": "arn:aws:gamelift:us-west-2:123456789012:gamesessionqueue/my-queue",
    "IamRoleArn": "arn:aws:iam::123456789012:role/GameLiftRole",
    "IdStringModel": "gsess-1",
    "ImageUriString": "123456789012.dkr.ecr.us-west-2.amazonaws.com/game:latest",
    "InstanceId": "i-0123456789abcdef0",
    "InstancePathString": "/local/game/logs",
    "IpAddress": "10.0.0.1",
    "IpRange": "0.0.0.0/0",
    "LaunchParametersStringModel": "-port 7777 +map=arena",
    "LaunchPathStringModel": "/local/game/server",
    "LaunchTemplateId": "lt-0123456789abcdef0",
    "LaunchTemplateName": "game-template",
    "LaunchTemplateVersion": "1",
    "LocationStringModel": "us-west-2",
    "LogGroupArnStringModel": "arn:aws:logs:us-west-2:123456789012:log-group:game",
    "MatchmakingConfigurationName": "my-config",
    "MatchmakingIdStringModel": "ticket-1",
    "MatchmakingRuleSetName": "my-rules",
    "NodeJsVersion": "24.x",
    "NonBlankAndLengthConstraintString": "hello",
    "NonNegativeLimitedLengthDouble": "1.5",
    "NonZeroAnd128MaxAsciiString": "game-server",
    "PlayerSessionId": "psess-1234",
    "QueueCustomEventData": "event",
    "QueueSnsArnStringModel": "arn:aws:sns:us-west-2:123456789012:topic",
    "ScriptIdOrArn": "script-1234",
    "ServerSdkVersion": "5.1.0",
    "SnsArnStringModel": "arn:aws:sns:us-west-2:123456789012:topic.fifo",
    "VpcSubnet": "subnet-0123456789abcdef",
    "WeightedCapacity": "10",
}

EPOCH = 1700000000


class Unsatisfiable(Exception):
    """No known-good value for a patterned string shape."""


def generate(
    shape: botocore.model.Shape, *, full: bool, cbor: bool = False, depth: int = 0
) -> tuple[Any, Any]:
    """A valid (wire value, normalised value) pair for ``shape``.

    full: also fill optional members (skipping those without a known-good sample);
    cbor: blobs as bytes and timestamps as datetimes, as cbor2 decodes them.
    """
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, botocore.model.StructureShape)
        names = list(shape.members) if full and depth < 8 else list(shape.required_members)
        if shape.is_tagged_union:
            names = names[:1] or list(shape.members)[:1]
        wire: dict[str, Any] = {}
        normal: dict[str, Any] = {}
        for name in names:
            try:
                wire[name], normal[name] = generate(
                    shape.members[name], full=full, cbor=cbor, depth=depth + 1
                )
            except Unsatisfiable:
                if name in shape.required_members:
                    raise
        return wire, normal
    if kind == "list":
        assert isinstance(shape, botocore.model.ListShape)
        count = min(max(meta.get("min", 0), 1), meta.get("max", 1))
        items = [generate(shape.member, full=full, cbor=cbor, depth=depth + 1) for _ in range(count)]
        return [w for w, _ in items], [n for _, n in items]
    if kind == "map":
        assert isinstance(shape, botocore.model.MapShape)
        key, _ = generate(shape.key, full=full, cbor=cbor, depth=depth + 1)
        wire_value, normal_value = generate(shape.value, full=full, cbor=cbor, depth=depth + 1)
        return {key: wire_value}, {key: normal_value}
    if kind == "string":
        if meta.get("enum"):
            value = meta["enum"][0]
        elif "pattern" in meta:
            if shape.name not in SAMPLES:
                raise Unsatisfiable(shape.name)
            value = SAMPLES[shape.name]
        else:
            value = "x" * max(meta.get("min", 1), 1)
            value = value[: meta.get("max", len(value))]
        return value, value
    if kind in ("integer", "long"):
        low, high = meta.get("min"), meta.get("max")
        value = low if low is not None else (1 if high is None or high >= 1 else high)
        return value, value
    if kind in ("float", "double"):
        low = meta.get("min")
        value = low if low is not None else 1
        return value, float(value)
    if kind == "boolean":
        return True, True
    if kind == "timestamp":
        return (datetime.fromtimestamp(EPOCH, UTC) if cbor else EPOCH), float(EPOCH)
    if kind == "blob":
        return (b"game" if cbor else base64.b64encode(b"game").decode()), b"game"
    raise AssertionError(f"unexpected shape type {kind}")


def all_input_shapes() -> list[botocore.model.Shape]:
    seen: dict[str, botocore.model.Shape] = {}

    def walk(shape: botocore.model.Shape) -> None:
        if shape.name in seen:
            return
        seen[shape.name] = shape
        if isinstance(shape, botocore.model.StructureShape):
            for member in shape.members.values():
                walk(member)
        elif isinstance(shape, botocore.model.ListShape):
            walk(shape.member)
        elif isinstance(shape, botocore.model.MapShape):
            walk(shape.key)
            walk(shape.value)

    for operation in OPERATIONS:
        walk(MODEL.operation_model(operation).input_shape)
    return list(seen.values())


def test_every_patterned_shape_has_a_sample() -> None:
    # Informational: a newer botocore may add patterned shapes; their operations are then skipped below.
    missing = sorted(s.name for s in all_input_shapes() if "pattern" in s.metadata and s.name not in SAMPLES)
    assert not missing, f"no SAMPLES entry for {missing}"


def coverage() -> tuple[int, int]:
    covered = 0
    for operation in OPERATIONS:
        try:
            generate(MODEL.operation_model(operation).input_shape, full=False)
        except Unsatisfiable:
            continue
        covered += 1
    return covered, len(OPERATIONS)


def test_generated_inputs_cover_every_operation() -> None:
    covered, total = coverage()
    assert total >= 100
    assert covered == total, f"covered {covered}/{total} operations"


@pytest.mark.parametrize("flavour", ["json", "cbor"])
@pytest.mark.parametrize("full", [False, True], ids=["minimal", "full"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_accepts_a_generated_valid_input(operation: str, full: bool, flavour: str) -> None:
    shape = MODEL.operation_model(operation).input_shape
    try:
        wire, normal = generate(shape, full=full, cbor=flavour == "cbor")
    except Unsatisfiable as exc:
        pytest.skip(f"no known-good sample for {exc}")
    assert validator(operation)({**wire, "NotInTheModel": [1, 2]}) == normal


# --------------------------------------------------------------------------- garbage

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text(max_size=12)
    | st.binary(max_size=8)
    | st.datetimes(timezones=st.none() | st.just(UTC))
)
KEYS = st.text(max_size=8) | st.integers() | st.booleans() | st.none()
GARBAGE = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=12,
)

_SHAPED: dict[str, st.SearchStrategy[Any]] = {}


def shaped(shape: botocore.model.Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that follow the shape's layout, with garbage mixed in at every level."""
    if depth > 6:
        return GARBAGE
    if shape.name in _SHAPED:
        return _SHAPED[shape.name]
    meta = shape.metadata
    kind = shape.type_name
    strategy: st.SearchStrategy[Any]
    if isinstance(shape, botocore.model.StructureShape):
        members = {name: shaped(m, depth + 1) | GARBAGE for name, m in shape.members.items()}
        strategy = st.fixed_dictionaries({}, optional=members)
    elif isinstance(shape, botocore.model.ListShape):
        strategy = st.lists(shaped(shape.member, depth + 1) | GARBAGE, max_size=4)
    elif isinstance(shape, botocore.model.MapShape):
        strategy = st.dictionaries(
            shaped(shape.key, depth + 1) | KEYS, shaped(shape.value, depth + 1) | GARBAGE, max_size=3
        )
    elif kind == "string":
        options = [st.text(max_size=20)]
        if meta.get("enum"):
            options.append(st.sampled_from(meta["enum"]))
        if shape.name in SAMPLES:
            options.append(st.just(SAMPLES[shape.name]))
        if "max" in meta:
            options.append(st.sampled_from(["x" * meta["max"], "x" * (meta["max"] + 1)]))
        strategy = st.one_of(options)
    elif kind in ("integer", "long"):
        strategy = st.integers() | st.floats()
    elif kind in ("float", "double"):
        strategy = st.floats() | st.integers()
    elif kind == "timestamp":
        strategy = (
            st.integers()
            | st.floats()
            | st.datetimes(timezones=st.none() | st.just(UTC))
            | st.text(alphabet="0123456789-:TZ+.", max_size=25)
        )
    elif kind == "blob":
        strategy = st.binary(max_size=8) | st.text(alphabet="ABCDabcd0123+/=", max_size=12)
    else:
        strategy = st.booleans()
    _SHAPED[shape.name] = strategy
    return strategy


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_garbage_only_raises_input_validation_error(operation: str, data: st.DataObject) -> None:
    shape = MODEL.operation_model(operation).input_shape
    body = data.draw(shaped(shape) | GARBAGE, label="body")
    validate = validator(operation)
    try:
        result = validate(body)
    except InputValidationError as exc:
        assert exc.errors
        assert str(exc)
        if not isinstance(exc, BodyNotAnObjectError):
            count = len(exc.errors)
            assert str(exc).startswith(f"{count} validation error{'s' if count > 1 else ''} detected: ")
        return
    assert isinstance(result, dict)
    assert validate(result) == result  # normalising is idempotent
