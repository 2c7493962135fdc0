"""What the game screen draws: plain records, filled by ``client.match`` from snapshots.

The renderer knows these and nothing of the protocol, so screens are drawn in tests from made-up
views, and a protocol change touches ``match`` only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Link(enum.StrEnum):
    """The game connection as the HUD shows it."""

    CONNECTING = "connecting"
    OK = "connected"
    LAGGING = "lagging"  # no snapshot for a while, socket still open
    CLOSED = "disconnected"


@dataclass(frozen=True)
class ShipView:
    id: int
    name: str
    x: float
    y: float
    angle: float
    slot: int = 0
    team: int | None = None
    skin: str = "default"
    trail: str = "default"
    alive: bool = True
    shielded: bool = False
    boosted: bool = False
    me: bool = False
    score: int = 0
    respawn_in: float = 0.0


@dataclass(frozen=True)
class ShotView:
    id: int
    x: float
    y: float
    angle: float
    owner: int = 0


@dataclass(frozen=True)
class PickupView:
    id: int
    x: float
    y: float
    kind: str = "shield"


@dataclass(frozen=True)
class HudView:
    ping_ms: int | None = None
    tick: int = 0
    players: int = 0
    max_players: int | None = None
    score: int = 0
    round_left: float | None = None
    link: Link = Link.CONNECTING
    team_scores: tuple[tuple[int, int], ...] = ()
    corrections: int = 0


@dataclass(frozen=True)
class FrameView:
    arena_width: float
    arena_height: float
    ships: tuple[ShipView, ...] = ()
    shots: tuple[ShotView, ...] = ()
    pickups: tuple[PickupView, ...] = ()
    hud: HudView = field(default_factory=HudView)
    feed: tuple[str, ...] = ()

    @property
    def me(self) -> ShipView | None:
        return next((s for s in self.ships if s.me), None)


@dataclass(frozen=True)
class ResultRow:
    name: str
    score: int
    tags: int = 0
    deaths: int = 0
    team: int | None = None
    slot: int = 0
    me: bool = False


@dataclass(frozen=True)
class ResultsView:
    rows: tuple[ResultRow, ...]
    winner: str | None = None
    team_scores: tuple[tuple[int, int], ...] = ()
    # Seconds until the next round, None when the session is over.
    next_round_in: float | None = None
    round_number: int = 1
