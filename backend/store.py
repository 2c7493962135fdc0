"""SQLite state that outlives the process: the last good JWKS, and each player's last seat.

The JWKS lets a restarted backend verify tokens before (or without) reaching external_auth; the
seats let ``GET /v1/me`` tell a player where they were placed after a restart. Game state itself
is GameLift's: nothing here duplicates sessions.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS jwks (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    document TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS seats (
    player_id TEXT PRIMARY KEY,
    game_session_id TEXT NOT NULL,
    player_session_id TEXT NOT NULL,
    ip_address TEXT,
    dns_name TEXT,
    port INTEGER,
    seated_at REAL NOT NULL,
    how TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class SeatRecord:
    player_id: str
    game_session_id: str
    player_session_id: str
    ip_address: str | None
    dns_name: str | None
    port: int | None
    seated_at: float
    how: str


class BackendStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def save_jwks(self, document: dict[str, Any], fetched_at: float) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO jwks (id, document, fetched_at) VALUES (1, ?, ?)",
            (json.dumps(document), fetched_at),
        )

    def load_jwks(self) -> tuple[dict[str, Any], float] | None:
        row = self.db.execute("SELECT document, fetched_at FROM jwks WHERE id = 1").fetchone()
        return (json.loads(row[0]), float(row[1])) if row else None

    def save_seat(self, seat: SeatRecord) -> None:
        values = asdict(seat)
        self.db.execute(
            "INSERT OR REPLACE INTO seats VALUES "
            "(:player_id, :game_session_id, :player_session_id, :ip_address, :dns_name, :port, :seated_at, :how)",
            values,
        )

    def last_seat(self, player_id: str) -> SeatRecord | None:
        row = self.db.execute("SELECT * FROM seats WHERE player_id = ?", (player_id,)).fetchone()
        return SeatRecord(*row) if row else None
