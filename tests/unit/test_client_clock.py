"""Server clock and ping estimates, and the player-facing meaning of errors and close codes."""

from __future__ import annotations

import pytest

from client.clock import PingMeter, ServerClock
from client.errors import ApiError
from client.net import clock_ms, describe_close, round_trip
from server.protocol import CloseCode


def test_the_server_clock_jumps_to_the_first_sample_then_follows_slowly() -> None:
    clock = ServerClock(gain=0.1, snap=0.25)
    assert clock.now(10.0) is None
    clock.observe(server_time=100.0, local_time=10.0)
    assert clock.now(11.0) == pytest.approx(101.0)
    clock.observe(server_time=100.05, local_time=10.1)  # 50 ms late: jitter
    assert clock.offset == pytest.approx(90.0 - 0.005)
    clock.observe(server_time=200.0, local_time=10.2)  # way off: a stall; jump
    assert clock.offset == pytest.approx(189.8)


def test_ping_is_smoothed_for_the_hud() -> None:
    ping = PingMeter(gain=0.5)
    assert ping.millis is None
    ping.sample(0.040)
    ping.sample(0.080)
    assert ping.last == 0.080 and ping.millis == 60


def test_the_round_trip_survives_the_u32_millisecond_wrap() -> None:
    sent = clock_ms(4294967.200)  # just before the wrap
    assert round_trip(sent, 4294967.290 + 0.0) == pytest.approx(0.09, abs=0.002)
    wrapped_at = 4294967.296 + 0.05
    assert round_trip(sent, wrapped_at) == pytest.approx(0.146, abs=0.002)


@pytest.mark.parametrize(
    ("code", "words", "expected"),
    [
        (CloseCode.GAME_OVER, "game is over", True),
        (CloseCode.SERVER_SHUTTING_DOWN, "shutting down", True),
        (CloseCode.PLAYER_SESSION_IN_USE, "already used", False),
        (CloseCode.PLAYER_SESSION_UNKNOWN, "did not recognise your seat", False),
        (CloseCode.PLAYER_SESSION_EXPIRED, "expired", False),
        (CloseCode.GAME_FULL, "full", False),
        (1006, "Lost the connection", False),
        (None, "Lost the connection", False),
        (4999, "closed the connection (why not)", False),
    ],
)
def test_close_codes_are_told_in_a_players_words(code: int | None, words: str, expected: bool) -> None:
    message, normal = describe_close(code, "why not")
    assert words in message and normal is expected


@pytest.mark.parametrize(
    ("status", "code", "detail", "words"),
    [
        (401, "invalid_credentials", "bad", "Wrong username or password"),
        (409, "username_taken", "taken", "username is taken"),
        (503, "no_capacity", "x", "busy"),
        (400, "invalid_request", "username must be 3-32 characters", "username must be 3-32 characters"),
        (500, "weird", "boom", "Request failed (500): boom"),
    ],
)
def test_service_errors_become_sentences(status: int, code: str, detail: str, words: str) -> None:
    err = ApiError(status, code, detail, "req-1")
    assert words in str(err) and err.request_id == "req-1" and err.code == code
