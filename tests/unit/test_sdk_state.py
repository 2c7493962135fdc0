"""sdk.gamelift_server.state: the local answers and the preconditions that refuse calls before anything is sent."""

from __future__ import annotations

import pytest

from sdk.gamelift_server.errors import (
    BadRequestException,
    GameLiftServerNotInitialized,
    GameSessionIdNotSet,
    ProcessNotReady,
    TerminationTimeNotSet,
)
from sdk.gamelift_server.models import GameSession, GetFleetRoleCredentialsResult
from sdk.gamelift_server.state import SdkState

GSID = "arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-1"


def ready_state() -> SdkState:
    state = SdkState()
    state.initialize("pid", "host", "fleet-1")
    state.mark_ready()
    return state


def test_preconditions_in_the_official_order() -> None:
    state = SdkState()
    with pytest.raises(GameLiftServerNotInitialized):
        state.require_game_session()
    state.initialize("pid", "host", "fleet-1")
    with pytest.raises(ProcessNotReady):
        state.require_game_session()
    state.mark_ready()
    with pytest.raises(GameSessionIdNotSet):
        state.require_game_session()


def test_a_game_session_is_bound_only_once_ready_and_gets_the_fleet_id() -> None:
    state = SdkState()
    state.initialize("pid", "host", "fleet-1")
    early = GameSession(GSID)
    assert not state.start_game_session(early)
    assert state.game_session_id == ""
    state.mark_ready()
    session = GameSession(GSID)
    assert state.start_game_session(session)
    assert (state.require_game_session(), session.fleet_id) == (GSID, "fleet-1")


def test_termination_time_is_reported_in_epoch_seconds() -> None:
    state = ready_state()
    with pytest.raises(TerminationTimeNotSet):
        state.termination_time_seconds()
    state.terminate(1767225600999)
    assert state.termination_time_seconds() == 1767225600


def test_role_credentials_are_cached_until_15_minutes_before_expiry() -> None:
    state = ready_state()
    creds = GetFleetRoleCredentialsResult(access_key_id="AK", expiration_ms=3_600_000)
    state.record_role_credentials("role", creds)
    assert state.cached_role_credentials("role", now_ms=0) is creds
    assert state.cached_role_credentials("role", now_ms=3_600_000 - 15 * 60_000) is None
    assert "role" not in state.role_credentials


def test_an_empty_credentials_reply_latches_not_on_managed_ec2() -> None:
    state = ready_state()
    with pytest.raises(BadRequestException, match="managed fleet"):
        state.record_role_credentials("role", GetFleetRoleCredentialsResult())
    with pytest.raises(BadRequestException):
        state.require_managed_ec2()


def test_reset_forgets_everything() -> None:
    state = ready_state()
    state.terminate(5000)
    state.reset()
    assert state == SdkState()
