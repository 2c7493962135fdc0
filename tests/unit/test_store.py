"""The SQLite store: staged writes, failed operations, group commits, reloads."""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from infra.emulator.store import Store


class Colour(enum.StrEnum):
    RED = "RED"
    BLUE = "BLUE"


@dataclass
class Inner:
    n: int


@dataclass
class Thing:
    thing_id: str
    colour: Colour = Colour.RED
    inner: Inner | None = None
    tags: dict[str, str] = field(default_factory=dict)


def test_records_survive_reopen_with_types_revived(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = Store(db)
    store.put("thing", "a", Thing("a", Colour.BLUE, Inner(3), {"k": "v"}))
    store.commit()
    store.close()
    [loaded] = Store(db).load("thing", Thing)
    assert loaded == Thing("a", Colour.BLUE, Inner(3), {"k": "v"})
    assert loaded.colour is Colour.BLUE and isinstance(loaded.inner, Inner)


def test_state_at_commit_time_is_written(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    thing = Thing("a")
    store.put("thing", "a", thing)
    thing.colour = Colour.BLUE  # changed after put, before commit
    store.commit()
    assert next(store.load("thing", Thing)).colour is Colour.BLUE


def test_failed_operation_writes_nothing_and_keeps_others(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.put("thing", "kept", Thing("kept"))
    with pytest.raises(RuntimeError), store.operation():
        store.put("thing", "lost", Thing("lost"))
        raise RuntimeError("handler failed")
    with store.operation():
        store.put("thing", "also-kept", Thing("also-kept"))
    store.commit()
    assert sorted(t.thing_id for t in store.load("thing", Thing)) == ["also-kept", "kept"]


def test_delete_and_upsert(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.put("thing", "a", Thing("a"))
    store.put("thing", "b", Thing("b"))
    store.commit()
    store.put("thing", "a", Thing("a", Colour.BLUE))
    store.delete("thing", "b")
    store.commit()
    assert [(t.thing_id, t.colour) for t in store.load("thing", Thing)] == [("a", Colour.BLUE)]


def test_concurrent_flushes_share_one_commit(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    commits = 0
    real_commit = store.commit

    def counting_commit() -> None:
        nonlocal commits
        if store.has_staged:
            commits += 1
        real_commit()

    store.commit = counting_commit  # type: ignore[method-assign]

    async def request(i: int) -> None:
        store.put("thing", str(i), Thing(str(i)))
        await store.flush()

    async def main() -> None:
        await asyncio.gather(*(request(i) for i in range(8)))
        await store.flush()  # nothing staged: returns at once

    asyncio.run(main())
    assert commits == 1
    assert len(list(store.load("thing", Thing))) == 8
