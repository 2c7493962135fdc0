"""Model-driven fuzzing: random and wrong-typed input to every operation of the model.

Whatever arrives, the emulator answers 200 or a typed 4xx in the protocol's
error shape; never a 5xx, never a dropped connection.
"""

from __future__ import annotations

import json

import cbor2
import pytest
from botocore.model import Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.emulator.launcher import EmulatorProcess
from infra.emulator.protocol.model import operation_model, operation_names
from tests.support.raw_http import RawClient

SAMPLE_STRINGS = [
    "",
    "a",
    "fleet-00000000-0000-0000-0000-000000000000",
    "build-1",
    "alias-1",
    "script-1",
    "psess-1",
    "arn:aws:gamelift:us-west-2:123456789012:fleet/fleet-1",
    "arn:aws:gamelift:us-west-2::gamesession/fleet-1/gs",
    "custom-location",
    "us-west-2",
    "ACTIVE",
    "x" * 300,
    "hasAvailablePlayerSessions=true",
    "name = 'a'",
    "creationTimeMillis DESC",
    "\u0000",
    "😀",
    "/local/game/server",
    "0.0.0.0/0",
]

wrong_type = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def value_for(shape: Shape, depth: int = 0) -> st.SearchStrategy:
    kind = shape.type_name
    if depth > 4:
        return wrong_type
    if kind == "structure":
        members = {name: st.one_of(value_for(member, depth + 1), wrong_type) for name, member in shape.members.items()}
        return st.fixed_dictionaries({}, optional=members)
    if kind == "list":
        return st.lists(value_for(shape.member, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(st.sampled_from(["k", "", "key" * 50]), value_for(shape.value, depth + 1), max_size=3)
    if kind == "string":
        choices = list(shape.enum) if shape.enum else []
        return st.one_of(st.sampled_from(SAMPLE_STRINGS + choices), st.text(max_size=40))
    if kind in ("integer", "long"):
        return st.integers(min_value=-5, max_value=2**40)
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.floats(min_value=0, max_value=4e9)
    if kind == "blob":
        return st.binary(max_size=16)
    return wrong_type


def input_strategy(operation: str) -> st.SearchStrategy:
    shape = operation_model(operation).input_shape
    if shape is None:
        return st.just({})
    return st.one_of(value_for(shape), wrong_type)


def assert_well_formed(response, protocol: str) -> None:
    assert response.status < 500, response.body[:500]
    if response.status == 200:
        return
    body = cbor2.loads(response.body) if protocol == "cbor" else json.loads(response.body)
    assert isinstance(body.get("__type"), str) and body["__type"]
    assert isinstance(body.get("message"), str)


@pytest.fixture(scope="module")
def raw(emulator: EmulatorProcess):
    emulator.reset()
    client = RawClient(emulator.url)
    yield client
    client.close()


@pytest.mark.parametrize("operation", sorted(operation_names()))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_operation_survives_random_input(raw: RawClient, operation: str, data: st.DataObject) -> None:
    payload = data.draw(input_strategy(operation))
    protocol = data.draw(st.sampled_from(["json", "cbor"]))
    try:
        if protocol == "json":
            response = raw.json_call(operation, raw=json.dumps(payload, default=repr).encode())
        else:
            response = raw.cbor_call(operation, raw=cbor2.dumps(payload))
    except (ValueError, OverflowError, cbor2.CBOREncodeError):
        return  # the client cannot even encode it (e.g. NaN in strict JSON); nothing was sent
    assert_well_formed(response, protocol)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=64), operation=st.sampled_from(sorted(operation_names())), cbor=st.booleans())
def test_garbage_bodies_get_typed_errors(raw: RawClient, body: bytes, operation: str, cbor: bool) -> None:
    response = raw.cbor_call(operation, raw=body) if cbor else raw.json_call(operation, raw=body)
    assert_well_formed(response, "cbor" if cbor else "json")
