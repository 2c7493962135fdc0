"""Which screen the client shows: every allowed transition, and refusals of the ones that make no sense."""

from __future__ import annotations

import pytest

from client.app_state import (
    AppState,
    ConnectionClosed,
    InvalidTransition,
    Joined,
    Leave,
    LoggedIn,
    LoggedOut,
    RequestFailed,
    RoundEnded,
    RoundStarted,
    Screen,
    SeatGranted,
    Tone,
    transition,
)


def run(*events: object) -> AppState:
    state = AppState()
    for event in events:
        state = transition(state, event)  # type: ignore[arg-type]
    return state


LOBBY = (LoggedIn("ripley", "premium"),)
PLAYING = (*LOBBY, SeatGranted("gsess-1", "127.0.0.1:33430"), Joined())


@pytest.mark.parametrize(
    ("events", "screen"),
    [
        ((), Screen.LOGIN),
        (LOBBY, Screen.LOBBY),
        ((*LOBBY, SeatGranted("gsess-1", "127.0.0.1:1")), Screen.CONNECTING),
        (PLAYING, Screen.PLAYING),
        ((*PLAYING, RoundEnded("r")), Screen.RESULTS),
        ((*PLAYING, RoundEnded("r"), RoundStarted()), Screen.PLAYING),
        ((*PLAYING, RoundEnded("r"), Leave()), Screen.LOBBY),
        ((*PLAYING, Leave()), Screen.LOBBY),
        ((*PLAYING, ConnectionClosed("Lost the connection", expected=False)), Screen.LOBBY),
        ((*PLAYING, RoundEnded("r"), ConnectionClosed("The game is over.", expected=True)), Screen.RESULTS),
        ((*LOBBY, SeatGranted("g", "a"), ConnectionClosed("seat expired")), Screen.LOBBY),
        ((*LOBBY, SeatGranted("g", "a"), Leave()), Screen.LOBBY),
        ((*PLAYING, LoggedOut("Your login has expired.")), Screen.LOGIN),
        ((*LOBBY, RequestFailed("All game servers are busy")), Screen.LOBBY),
        ((*PLAYING, Leave(), ConnectionClosed("late")), Screen.LOBBY),
    ],
)
def test_screens_follow_events(events: tuple[object, ...], screen: Screen) -> None:
    assert run(*events).screen is screen


@pytest.mark.parametrize(
    "events",
    [
        (Joined(),),  # not connecting
        (SeatGranted("g", "a"),),  # not logged in
        (*LOBBY, LoggedIn("x", "free")),
        (*LOBBY, RoundEnded("r")),
        (*LOBBY, Joined()),  # the player cancelled: a late WELCOME does not pull them in
        (*PLAYING, SeatGranted("g2", "b")),
        (*PLAYING, RoundStarted(), RoundEnded("r"), RoundEnded("r")),
        (*PLAYING, RoundEnded("r"), ConnectionClosed("over"), RoundStarted()),  # no connection, no next round
    ],
)
def test_events_that_make_no_sense_on_a_screen_are_refused(events: tuple[object, ...]) -> None:
    with pytest.raises(InvalidTransition):
        run(*events)


def test_a_lost_connection_tells_the_player_why_as_an_error() -> None:
    state = run(*PLAYING, ConnectionClosed("Lost the connection to the game server.", expected=False))
    assert state.notice is not None and state.notice.tone is Tone.ERROR
    assert "Lost the connection" in state.notice.text
    assert state.game_session_id is None and not state.connected


def test_a_normal_end_is_news_not_an_error() -> None:
    state = run(*PLAYING, ConnectionClosed("The game server is shutting down.", expected=True))
    assert state.notice is not None and state.notice.tone is Tone.INFO


def test_results_stay_on_screen_when_the_session_ends_after_the_last_round() -> None:
    state = run(*PLAYING, RoundEnded("final results"), ConnectionClosed("The game is over.", expected=True))
    assert state.results == "final results" and not state.connected


def test_logging_out_forgets_the_player() -> None:
    state = run(*LOBBY, LoggedOut())
    assert state.username is None and state.notice is None


def test_the_lobby_remembers_who_is_playing_and_their_tier() -> None:
    state = run(*PLAYING, Leave())
    assert (state.username, state.tier) == ("ripley", "premium")
    assert state.history[-3:] == (Screen.LOBBY, Screen.CONNECTING, Screen.PLAYING)
