"""Request bodies: strict types, known fields only, and no field that lets a client speak for itself."""

from __future__ import annotations

import pytest

from backend import inputs
from backend.errors import BadRequest, ForbiddenField, MalformedJson, UnknownField


@pytest.mark.parametrize("body", [b"{", b"nul", b"\xff\xfe", b'{"a": 1', b"[" * 100000])
def test_malformed_json_is_a_400(body: bytes) -> None:
    with pytest.raises(MalformedJson):
        inputs.parse_json(body)


@pytest.mark.parametrize("body", [b"[]", b"1", b'"text"', b"null", b"true"])
def test_a_body_that_is_not_an_object_is_a_400(body: bytes) -> None:
    with pytest.raises(BadRequest):
        inputs.parse_json(body)


def test_an_empty_body_is_an_empty_object() -> None:
    assert inputs.parse_json(b"") == {} and inputs.parse_json(b"  \n") == {}


@pytest.mark.parametrize("field", ["playerId", "PlayerId", "tier", "skill", "entitlements", "playerData", "premium"])
def test_identity_and_holdings_fields_are_forbidden(field: str) -> None:
    with pytest.raises(ForbiddenField, match=field):
        inputs.quickplay({field: "x"})
    with pytest.raises(ForbiddenField):
        inputs.create_session({"name": "room", field: "x"}, 8)
    with pytest.raises(ForbiddenField):
        inputs.join_session({"gameSessionId": "arn:x", field: "x"})


def test_other_unknown_fields_are_named() -> None:
    with pytest.raises(UnknownField, match="colour"):
        inputs.quickplay({"colour": "red"})


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": ""},
        {"name": "x" * 65},
        {"name": "bad\nname"},
        {"name": "ok", "maxPlayers": "8"},
        {"name": "ok", "maxPlayers": True},
        {"name": "ok", "maxPlayers": 0},
        {"name": "ok", "maxPlayers": 33},
        {"name": "ok", "maxPlayers": 8.0},
        {"name": "ok", "premiumOnly": "yes"},
        {"name": "ok", "premiumOnly": 1},
        {},
    ],
)
def test_create_session_refuses_wrong_types_and_ranges(body: dict) -> None:
    with pytest.raises(BadRequest):
        inputs.create_session(body, 8)


def test_create_session_defaults() -> None:
    wanted = inputs.create_session({"name": "  My room "}, 8)
    assert (wanted.name, wanted.max_players, wanted.premium_only) == ("My room", 8, False)


@pytest.mark.parametrize("value", [None, 5, "", "has space", "x" * 513, ["arn"]])
def test_join_needs_a_game_session_id(value: object) -> None:
    with pytest.raises(BadRequest):
        inputs.join_session({"gameSessionId": value})


def test_listing_query() -> None:
    listing = inputs.listing({"access": "premium", "includeFull": "true", "limit": "5"})
    assert (listing.access, listing.include_full, listing.limit, listing.next_token) == ("premium", True, 5, None)
    for bad in ({"access": "vip"}, {"limit": "0"}, {"limit": "21"}, {"limit": "-1"}, {"includeFull": "1"}):
        with pytest.raises(BadRequest):
            inputs.listing(bad)
    with pytest.raises(ForbiddenField):
        inputs.listing({"playerId": "someone-else"})


def test_session_properties_parse_and_refuse_garbage() -> None:
    from backend.config import parse_properties

    assert parse_properties("roundSeconds=30, rounds = 2,") == {"roundSeconds": "30", "rounds": "2"}
    assert parse_properties("") == {}
    with pytest.raises(ValueError, match="key=value"):
        parse_properties("roundSeconds")
