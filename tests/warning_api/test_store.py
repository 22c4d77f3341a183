"""Warnings in the SQLite store: kept once, append-only, each a ledger leaf, queried and paged.

Every warning here is MADE UP (see conftest.py); the store is a real SQLite file in tmp_path.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ceasefire.errors import ConflictError, InputError, NotFoundError
from ceasefire.store.schema import COMPONENTS
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.store.warnings_sqlite import SqliteWarnings, StoredWarning, WarningQuery
from ceasefire.warning.model import WarningEvent, WarningRecord

MadeUp = Callable[..., WarningRecord]
Warnings = tuple[WarningRecord, ...]
DAY = datetime(2023, 1, 6, tzinfo=UTC)  # the first day of the made-up warnings


def test_the_warnings_component_is_migrated_with_the_others(store: SQLiteStore) -> None:
    versions = store.schema_versions()
    assert versions["warnings"] == len(dict(COMPONENTS)["warnings"])


def test_a_warning_is_stored_once_and_reads_back_equal(store: SQLiteStore, made_up: MadeUp) -> None:
    repo = SqliteWarnings(store)
    warning = made_up()
    first = repo.add([warning, warning])  # repeated in one batch: kept once
    again = repo.add([warning])
    assert (len(first.added), first.duplicates) == (1, 1)
    assert (len(again.added), again.duplicates) == (0, 1)
    assert repo.count() == 1
    stored = repo.get(warning.warning_id)
    assert stored.record == warning
    assert stored.record.as_dict() == warning.as_dict()


def test_each_new_warning_is_a_ledger_leaf_holding_its_record(
    store: SQLiteStore, made_up_warnings: Warnings
) -> None:
    repo = SqliteWarnings(store)
    before = store.ledger.size()
    written = repo.add(made_up_warnings[:4])
    assert store.ledger.size() == before + 4
    for s in written.added:
        assert s.leaf_index is not None
        entry = store.ledger.entry(s.leaf_index)
        assert entry.kind == "warning"
        assert json.loads(entry.data) == {**s.record.as_dict(), "type": "warning"}
    repo.add(made_up_warnings[:4])  # duplicates add no leaf
    assert store.ledger.size() == before + 4
    audit = store.ledger.audit()
    assert audit.leaves == before + 4


def test_the_same_id_with_other_content_is_refused_and_nothing_is_written(
    store: SQLiteStore, made_up: MadeUp
) -> None:
    repo = SqliteWarnings(store)
    repo.add([made_up(probability=0.4)])
    size = store.ledger.size()
    changed = made_up(probability=0.9)  # same issue time, area, event, model: same id
    new = made_up("UA-23")
    with pytest.raises(ConflictError, match="never edited"):
        repo.add([new, changed])
    assert repo.count() == 1 and store.ledger.size() == size  # the batch rolled back whole
    assert repo.get(changed.warning_id).record.probability == 0.4


def test_stored_warnings_cannot_be_updated_or_deleted(tmp_path: Path, made_up: MadeUp) -> None:
    path = tmp_path / "store.db"
    with SQLiteStore(path) as store:
        SqliteWarnings(store).add([made_up()])
    with sqlite3.connect(path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE warnings SET probability = 0.01")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM warnings")


def test_times_are_kept_in_utc(store: SQLiteStore, made_up: MadeUp) -> None:
    kyiv_winter = timezone(timedelta(hours=2))
    local = made_up(day=datetime(2023, 1, 6, 2, 0, tzinfo=kyiv_winter))
    added = SqliteWarnings(store).add([local]).added[0].record
    assert added.valid_from == datetime(2023, 1, 6, 0, 0, tzinfo=UTC)
    assert added.valid_from.utcoffset() == timedelta(0)
    assert SqliteWarnings(store).get(added.warning_id).record == added


def test_a_number_json_cannot_hold_is_refused(store: SQLiteStore, made_up: MadeUp) -> None:
    bad = replace(made_up(), expected_count=float("nan"))
    with pytest.raises(InputError, match=bad.warning_id):
        SqliteWarnings(store).add([bad])
    assert SqliteWarnings(store).count() == 0


def test_an_unknown_warning_is_not_found(store: SQLiteStore) -> None:
    with pytest.raises(NotFoundError):
        SqliteWarnings(store).get("W-0000000000000000")


def _ids(rows: Sequence[StoredWarning]) -> list[str]:
    return [r.record.warning_id for r in rows]


def test_query_by_window_area_event_and_probability(
    store: SQLiteStore, made_up_warnings: Warnings
) -> None:
    repo = SqliteWarnings(store)
    repo.add(made_up_warnings)
    everything = repo.query(WarningQuery())
    assert len(everything) == len(made_up_warnings)
    keys = [(s.record.valid_from, s.record.warning_id) for s in everything]
    assert keys == sorted(keys)

    def expected(keep: Callable[[WarningRecord], bool]) -> list[str]:
        chosen = [w for w in made_up_warnings if keep(w)]
        return [w.warning_id for w in sorted(chosen, key=lambda w: (w.valid_from, w.warning_id))]

    # valid at some time in [since, until): overlapping, not only starting inside
    since, until = DAY + timedelta(days=1, hours=12), DAY + timedelta(days=3)
    assert _ids(repo.query(WarningQuery(since=since, until=until))) == expected(
        lambda w: w.valid_to > since and w.valid_from < until
    )
    assert _ids(repo.query(WarningQuery(area_ids=("UA-09", "UA-23")))) == expected(
        lambda w: w.area_id in ("UA-09", "UA-23")
    )
    assert _ids(repo.query(WarningQuery(events=(WarningEvent.RENEWAL,)))) == expected(
        lambda w: w.event is WarningEvent.RENEWAL
    )
    assert _ids(repo.query(WarningQuery(min_probability=0.5))) == expected(
        lambda w: w.probability >= 0.5
    )


def test_pages_cover_every_warning_once(store: SQLiteStore, made_up_warnings: Warnings) -> None:
    repo = SqliteWarnings(store)
    repo.add(made_up_warnings)
    seen: list[str] = []
    after: tuple[datetime, str] | None = None
    while True:
        page = repo.query(WarningQuery(limit=4, after=after))
        seen += _ids(page)
        if len(page) < 4:
            break
        after = (page[-1].record.valid_from, page[-1].record.warning_id)
    assert seen == _ids(repo.query(WarningQuery()))
    assert len(set(seen)) == len(made_up_warnings)
