"""Which screen the client shows, and the only ways to get from one to another.

    LOGIN --logged in--> LOBBY --seat--> CONNECTING --joined--> PLAYING --round over--> RESULTS
      ^                    ^  \\                |                   |  ^                  |  |
      |                    |   `--log out-----+-(join failed)-----+-(lost / left)-------'  |
      `--token expired-----'                                       `--next round-----------'

Events are facts ("the server accepted us", "the connection dropped"); ``transition`` decides
what the player sees next and what to tell them. An event a screen does not expect is refused
(``InvalidTransition``) instead of being half-applied, so a late network event cannot, say,
drop a player who went back to the lobby into a game.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any


class Screen(enum.StrEnum):
    LOGIN = "login"
    LOBBY = "lobby"
    CONNECTING = "connecting"
    PLAYING = "playing"
    RESULTS = "results"


class Tone(enum.StrEnum):
    INFO = "info"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    """A line shown to the player at the top of the screen."""

    text: str
    tone: Tone = Tone.INFO


# -- events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedIn:
    username: str
    tier: str


@dataclass(frozen=True)
class LoggedOut:
    reason: str | None = None


@dataclass(frozen=True)
class SeatGranted:
    """The backend gave a seat; connecting to the game server comes next."""

    game_session_id: str
    address: str


@dataclass(frozen=True)
class RequestFailed:
    """A lobby action (quick play, create, join, refresh) failed; the text is for the player."""

    message: str


@dataclass(frozen=True)
class Joined:
    """The game server accepted the player session."""

    round_running: bool = True


@dataclass(frozen=True)
class RoundStarted:
    pass


@dataclass(frozen=True)
class RoundEnded:
    results: Any = None


@dataclass(frozen=True)
class ConnectionClosed:
    """The game connection ended; ``message`` says why in a player's words."""

    message: str
    # The server ended it on purpose (session over, round over and process ending): not an error.
    expected: bool = False


@dataclass(frozen=True)
class Leave:
    """The player chose to leave the game or the results screen."""


Event = (
    LoggedIn | LoggedOut | SeatGranted | RequestFailed | Joined | RoundStarted | RoundEnded | ConnectionClosed | Leave
)


class InvalidTransition(Exception):
    pass


@dataclass(frozen=True)
class AppState:
    screen: Screen = Screen.LOGIN
    username: str | None = None
    tier: str | None = None
    game_session_id: str | None = None
    address: str | None = None
    results: Any = None
    # The game connection is still open (results between rounds) or not (session over).
    connected: bool = False
    notice: Notice | None = None
    history: tuple[Screen, ...] = field(default=(), repr=False)


def transition(state: AppState, event: Event) -> AppState:
    """The next state, or ``InvalidTransition`` if ``event`` makes no sense on this screen."""
    s = state.screen
    new: AppState | None = None
    match event:
        case LoggedIn(username=username, tier=tier) if s is Screen.LOGIN:
            new = replace(state, screen=Screen.LOBBY, username=username, tier=tier, notice=None)
        case LoggedOut(reason=reason):
            notice = Notice(reason, Tone.ERROR) if reason else None
            new = AppState(screen=Screen.LOGIN, notice=notice)
        case SeatGranted(game_session_id=gsid, address=address) if s is Screen.LOBBY:
            new = replace(
                state,
                screen=Screen.CONNECTING,
                game_session_id=gsid,
                address=address,
                results=None,
                notice=Notice(f"Joining game at {address}..."),
            )
        case RequestFailed(message=message) if s in (Screen.LOBBY, Screen.LOGIN):
            new = replace(state, notice=Notice(message, Tone.ERROR))
        case Joined() if s is Screen.CONNECTING:
            new = replace(state, screen=Screen.PLAYING, connected=True, notice=None)
        case RoundStarted() if s in (Screen.PLAYING, Screen.RESULTS) and state.connected:
            new = replace(state, screen=Screen.PLAYING, results=None, notice=None)
        case RoundEnded(results=results) if s is Screen.PLAYING:
            new = replace(state, screen=Screen.RESULTS, results=results)
        case ConnectionClosed(message=message, expected=expected) if s in (Screen.CONNECTING, Screen.PLAYING):
            new = _back_to_lobby(state, Notice(message, Tone.INFO if expected else Tone.ERROR))
        case ConnectionClosed(message=message) if s is Screen.RESULTS:
            # The results stay on screen; the player reads them and goes back when ready.
            new = replace(state, connected=False, notice=Notice(message))
        case ConnectionClosed() if s is Screen.LOBBY:
            # A connection closing after the player left is old news.
            new = state
        case Leave() if s in (Screen.PLAYING, Screen.RESULTS, Screen.CONNECTING):
            new = _back_to_lobby(state, None)
    if new is None:
        raise InvalidTransition(f"{type(event).__name__} on the {s} screen")
    return replace(new, history=(*state.history, s)[-16:]) if new.screen is not s else new


def _back_to_lobby(state: AppState, notice: Notice | None) -> AppState:
    return replace(
        state, screen=Screen.LOBBY, game_session_id=None, address=None, connected=False, results=None, notice=notice
    )
