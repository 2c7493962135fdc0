"""SQLite persistence: accounts, owned items and signing keys survive a restart.

One connection, used from the event loop's thread only (password hashing runs in a worker
thread, but never touches the database). Every change is committed before the HTTP answer, so
an acknowledged sign-up or purchase is never lost. ``PRAGMA data_version`` tells this
connection when another one (``python -m external_auth rotate-keys``) changed the file.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    player_id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    premium_until REAL
);
CREATE TABLE IF NOT EXISTS owned_items (
    player_id TEXT NOT NULL REFERENCES accounts(player_id),
    item TEXT NOT NULL,
    granted_at REAL NOT NULL,
    PRIMARY KEY (player_id, item)
);
CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created_at REAL NOT NULL,
    -- NULL while the key signs; set when a rotation replaces it: published until then.
    retire_at REAL
);
"""


class UsernameTaken(Exception):
    pass


@dataclass(frozen=True)
class Account:
    player_id: str
    username: str
    display_name: str
    password_hash: str
    created_at: float
    premium_until: float | None


@dataclass(frozen=True)
class StoredKey:
    kid: str
    private_pem: str
    created_at: float
    retire_at: float | None


class AuthStore:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Private keys and password hashes live here: readable by this user only.
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
            os.close(fd)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def data_version(self) -> int:
        """Changes when another connection commits to the file (not for this connection's own writes)."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    # -- accounts ---------------------------------------------------------------------------
    def create_account(self, account: Account, items: list[str]) -> None:
        try:
            with self._transaction():
                self.db.execute(
                    "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        account.player_id,
                        account.username,
                        account.display_name,
                        account.password_hash,
                        account.created_at,
                        account.premium_until,
                    ),
                )
                self.db.executemany(
                    "INSERT INTO owned_items VALUES (?, ?, ?)",
                    [(account.player_id, item, account.created_at) for item in items],
                )
        except sqlite3.IntegrityError as exc:
            raise UsernameTaken(account.username) from exc

    def account_by_username(self, username: str) -> Account | None:
        row = self.db.execute("SELECT * FROM accounts WHERE username = ?", (username,)).fetchone()
        return Account(*row) if row else None

    def account(self, player_id: str) -> Account | None:
        row = self.db.execute("SELECT * FROM accounts WHERE player_id = ?", (player_id,)).fetchone()
        return Account(*row) if row else None

    def set_premium_until(self, player_id: str, until: float) -> None:
        with self._transaction():
            self.db.execute("UPDATE accounts SET premium_until = ? WHERE player_id = ?", (until, player_id))

    def owned_items(self, player_id: str) -> list[str]:
        rows = self.db.execute(
            "SELECT item FROM owned_items WHERE player_id = ? ORDER BY granted_at, item", (player_id,)
        ).fetchall()
        return [r[0] for r in rows]

    # -- signing keys -----------------------------------------------------------------------
    def signing_keys(self) -> list[StoredKey]:
        rows = self.db.execute("SELECT * FROM signing_keys ORDER BY created_at, kid").fetchall()
        return [StoredKey(*row) for row in rows]

    def add_key(self, key: StoredKey, retire_others_at: float | None) -> None:
        """Store a new signing key; the one it replaces (if any) stays published until ``retire_others_at``."""
        with self._transaction():
            if retire_others_at is not None:
                self.db.execute("UPDATE signing_keys SET retire_at = ? WHERE retire_at IS NULL", (retire_others_at,))
            self.db.execute(
                "INSERT INTO signing_keys VALUES (?, ?, ?, ?)", (key.kid, key.private_pem, key.created_at, None)
            )

    def retire_before(self, now: float) -> int:
        """Forget keys whose rollover ended: they can no longer verify anything."""
        with self._transaction():
            cursor = self.db.execute("DELETE FROM signing_keys WHERE retire_at IS NOT NULL AND retire_at <= ?", (now,))
        return cursor.rowcount

    def end_rollover(self) -> int:
        """Stop publishing every replaced key now (e.g. after a key leak)."""
        with self._transaction():
            cursor = self.db.execute("DELETE FROM signing_keys WHERE retire_at IS NOT NULL")
        return cursor.rowcount

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
