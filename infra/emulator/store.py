"""SQLite persistence: every acknowledged change survives a SIGKILL.

The emulator keeps its working state in memory (each service owns its dicts
and indexes, so reads cost no I/O) and writes every changed record through this
store. Writes are staged while a request or a timer batch runs and committed in
one transaction before the response goes out, so a client never sees an
acknowledgement for something a crash could lose. WAL mode with
``synchronous=NORMAL`` makes a commit durable against a process crash (the
case we promise) without an fsync per request.

Records are dataclasses; they are stored as JSON documents keyed by
(kind, id). Enum fields come back as enums, nested dataclasses as dataclasses.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sqlite3
import types
import typing
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS record (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def to_document(obj: Any) -> Any:
    """A dataclass (or value) as plain JSON-compatible data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_document(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {k: to_document(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_document(v) for v in obj]
    return obj


@cache
def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _revive(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is not type(None):
                return _revive(arg, value)
        return value
    if origin in (list, tuple) and isinstance(value, list):
        args = typing.get_args(tp)
        return [_revive(args[0], v) for v in value] if args else value
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(tp)
        return {k: _revive(args[1], v) for k, v in value.items()} if args else value
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return tp(value)
        if dataclasses.is_dataclass(tp) and isinstance(value, dict):
            return from_document(tp, value)
    return value


def from_document(cls: type[T], doc: dict[str, Any]) -> T:
    """Rebuild a dataclass from ``to_document`` output, ignoring unknown keys.

    Unknown keys are dropped and missing ones take their defaults, so a record
    written by an older version of the emulator still loads.
    """
    hints = _field_types(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in doc:
            kwargs[f.name] = _revive(hints[f.name], doc[f.name])
    return cls(**kwargs)


class Store:
    """Staged write-through persistence of records in one SQLite file."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._staged: dict[tuple[str, str], str | None] = {}

    # -- writes -------------------------------------------------------------
    def put(self, kind: str, record_id: str, record: Any) -> None:
        """Stage a record; it is written at the next ``commit``."""
        self._staged[(kind, record_id)] = json.dumps(to_document(record), separators=(",", ":"))

    def delete(self, kind: str, record_id: str) -> None:
        self._staged[(kind, record_id)] = None

    def commit(self) -> None:
        if not self._staged:
            return
        staged, self._staged = self._staged, {}
        upserts = [(k, i, body) for (k, i), body in staged.items() if body is not None]
        deletes = [(k, i) for (k, i), body in staged.items() if body is None]
        db = self._db
        db.execute("BEGIN")
        try:
            if upserts:
                db.executemany("INSERT OR REPLACE INTO record(kind, id, body) VALUES (?, ?, ?)", upserts)
            if deletes:
                db.executemany("DELETE FROM record WHERE kind = ? AND id = ?", deletes)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def discard(self) -> None:
        """Drop staged writes of a request that failed."""
        self._staged.clear()

    @property
    def has_staged(self) -> bool:
        return bool(self._staged)

    # -- reads (startup only; services keep their state in memory) -----------
    def load(self, kind: str, cls: type[T]) -> Iterator[T]:
        for (body,) in self._db.execute("SELECT body FROM record WHERE kind = ?", (kind,)):
            yield from_document(cls, json.loads(body))

    def load_raw(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for record_id, body in self._db.execute("SELECT id, body FROM record WHERE kind = ?", (kind,)):
            yield record_id, json.loads(body)

    def counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT kind, count(*) FROM record GROUP BY kind").fetchall())

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def wipe(self) -> None:
        """Forget everything (the control API's reset)."""
        self._staged.clear()
        self._db.execute("DELETE FROM record")
        self._db.execute("DELETE FROM meta")

    def close(self) -> None:
        self._db.close()
