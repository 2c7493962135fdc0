"""SQLite persistence: every acknowledged change survives a SIGKILL.

The emulator keeps its working state in memory (each service owns its dicts
and indexes, so reads cost no I/O) and writes every changed record through this
store. Writes are staged while a request or a timer batch runs and committed
before the response goes out, so a client never sees an acknowledgement for
something a crash could lose.

Two things keep this cheap under load. Records are serialised once per commit,
not once per change (``put`` stages the live object). And commits are grouped:
every request that finishes in the same event-loop turn waits on one shared
transaction (``flush``), so eight concurrent clients cost one commit, not
eight. WAL mode with ``synchronous=OFF`` makes a commit durable against a
process crash (SIGKILL: the pages are in the OS cache), which is what we
promise; a power loss can lose the last commits. ``durable=True`` fsyncs each
commit instead.

Records are dataclasses; they are stored as JSON documents keyed by
(kind, id). Enum fields come back as enums, nested dataclasses as dataclasses.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import sqlite3
import types
import typing
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import orjson

T = TypeVar("T")
log = logging.getLogger("gamelift_local.store")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS record (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


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


def encode_record(record: Any) -> bytes:
    """A record as a JSON document; orjson walks dataclasses, enums and nesting itself, in C."""
    return orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS)


_DELETED = object()


class _Operation:
    """``Store.operation()``'s context manager: a plain class, as it runs once per API call."""

    __slots__ = ("_outer", "_store")

    def __init__(self, store: Store) -> None:
        self._store = store
        self._outer: dict[tuple[str, str], Any] | None = None

    def __enter__(self) -> None:
        store = self._store
        self._outer = store._operation
        store._operation = {}

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        store = self._store
        writes, store._operation = store._operation, self._outer
        if exc_type is None and writes:
            (store._staged if self._outer is None else self._outer).update(writes)


class DatabaseInUseError(RuntimeError):
    """Another emulator holds the database file."""


class Store:
    """Staged write-through persistence of records in one SQLite file."""

    def __init__(self, path: str | Path = ":memory:", *, durable: bool = False) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None, check_same_thread=False)
        # One emulator owns its file: an exclusive lock halves the cost of a small commit (no
        # shared-memory WAL index, no lock calls per transaction), and a second emulator started
        # on the same file is refused here instead of serving state that diverges from ours.
        try:
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
            self._db.executescript(_SCHEMA)
        except sqlite3.OperationalError as exc:
            self._db.close()
            if "locked" in str(exc):
                raise DatabaseInUseError(f"{self.path} is in use by another gamelift-local process") from None
            raise
        # (kind, id) -> live record (serialised at commit) or _DELETED.
        self._staged: dict[tuple[str, str], Any] = {}
        # The writes of the operation running now, merged into _staged when it succeeds.
        self._operation: dict[tuple[str, str], Any] | None = None
        # Who waits for the commit scheduled for this event-loop turn (empty: none scheduled).
        self._waiters: list[Callable[[BaseException | None], None]] = []

    # -- writes -------------------------------------------------------------
    def put(self, kind: str, record_id: str, record: Any) -> None:
        """Stage a record; its state at the next ``commit`` is what is written."""
        target = self._staged if self._operation is None else self._operation
        target[(kind, record_id)] = record

    def delete(self, kind: str, record_id: str) -> None:
        target = self._staged if self._operation is None else self._operation
        target[(kind, record_id)] = _DELETED

    def operation(self) -> _Operation:
        """Group one API call's writes: kept if it succeeds, dropped if it raises (a ``with`` block)."""
        return _Operation(self)

    def discard(self) -> None:
        """Drop the writes of the operation that is failing (if one is open)."""
        if self._operation is not None:
            self._operation.clear()

    def commit(self) -> None:
        if not self._staged:
            return
        staged, self._staged = self._staged, {}
        upserts = []
        deletes = []
        for (kind, record_id), record in staged.items():
            if record is _DELETED:
                deletes.append((kind, record_id))
            else:
                upserts.append((kind, record_id, encode_record(record)))
        db = self._db
        db.execute("BEGIN")
        try:
            if upserts:
                db.executemany(
                    "INSERT INTO record(kind, id, body) VALUES (?, ?, ?) "
                    "ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body",
                    upserts,
                )
            if deletes:
                db.executemany("DELETE FROM record WHERE kind = ? AND id = ?", deletes)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    async def flush(self) -> None:
        """Return once everything staged so far is committed (a group commit).

        Requests that finish in the same event-loop turn share one transaction.
        A request that changed nothing still waits for a commit in flight, so
        it never reports state that a crash could take back.
        """
        if not self._waiters and not self._staged:
            return
        future = asyncio.get_running_loop().create_future()

        def settle(exc: BaseException | None) -> None:
            if future.done():
                return  # its waiter was cancelled
            if exc is None:
                future.set_result(None)
            else:
                future.set_exception(exc)

        self.when_durable(settle)
        await future

    def when_durable(self, callback: Callable[[BaseException | None], None]) -> None:
        """Call ``callback(None)`` once everything staged so far is committed, or with the commit's error.

        The callback form of ``flush`` for code that answers from a protocol callback
        (the HTTP fast path) and so has no task to suspend. Called at once when there
        is nothing to wait for; otherwise from the commit, which runs once per event-loop
        turn for all waiters.
        """
        if self._waiters:
            self._waiters.append(callback)  # a commit is already scheduled for this turn
        elif self._staged:
            self._waiters.append(callback)
            asyncio.get_running_loop().call_soon(self._flush_now)
        else:
            callback(None)

    def _flush_now(self) -> None:
        waiters, self._waiters = self._waiters, []
        error: BaseException | None = None
        try:
            self.commit()
        except Exception as exc:  # every waiter learns of the failure
            error = exc
        for callback in waiters:
            try:
                callback(error)
            except Exception:  # one waiter's bug must not strand the others
                log.exception("a commit waiter failed")

    @property
    def has_staged(self) -> bool:
        return bool(self._staged)
    # -- reads (startup only; services keep their state in memory) -----------
    def load(self, kind: str, cls: type[T]) -> Iterator[T]:
        for (body,) in self._db.execute("SELECT body FROM record WHERE kind = ?", (kind,)):
            yield from_document(cls, orjson.loads(body))

    def load_raw(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for record_id, body in self._db.execute("SELECT id, body FROM record WHERE kind = ?", (kind,)):
            yield record_id, orjson.loads(body)

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
        if self._operation is not None:
            self._operation.clear()
        self._db.execute("DELETE FROM record")
        self._db.execute("DELETE FROM meta")

    def close(self) -> None:
        self._db.close()
