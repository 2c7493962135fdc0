"""What a screen asks the app to do; the app decides how (and on which thread)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogIn:
    username: str
    password: str


@dataclass(frozen=True)
class SignUp:
    username: str
    password: str


@dataclass(frozen=True)
class QuickPlay:
    pass


@dataclass(frozen=True)
class Refresh:
    pass


@dataclass(frozen=True)
class CreateSession:
    name: str


@dataclass(frozen=True)
class JoinSession:
    game_session_id: str


@dataclass(frozen=True)
class LogOut:
    pass


@dataclass(frozen=True)
class LeaveGame:
    pass


@dataclass(frozen=True)
class Quit:
    pass


Action = LogIn | SignUp | QuickPlay | Refresh | CreateSession | JoinSession | LogOut | LeaveGame | Quit
