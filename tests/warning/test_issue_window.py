"""The 7-day warnings issued live, from a workspace holding a year and a half of real alerts
and fires (../shared/data): what the window model issues and how it is kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.settings import Settings
from ceasefire.store.warnings_sqlite import SqliteWarnings, WarningQuery
from ceasefire.warning.issue import IssueResult, issue_day
from ceasefire.warning.model import WarningEvent
from ceasefire.workspace import Workspace

DAY = date(2023, 6, 15)
FILES = (
    ("alerts", "air-raid-alerts/official_data_en.csv"),
    ("firms", "firms-fires/ukr_fire_data_2022.csv"),
    ("firms", "firms-fires/ukr_fire_data_2023.csv"),
)


@pytest.fixture(scope="module")
def issued(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[tuple[Workspace, IssueResult]]:
    root = shared_data
    with Workspace.init(tmp_path_factory.mktemp("real") / "ws") as ws:
        ws.load_agreement(example_agreement_dir())
        for source, relative in FILES:
            ingest_file(ws.store, get_source(source), root / relative)
        settings = Settings(workspace=ws.root, warning_levels="oblast")
        yield ws, issue_day(ws, DAY, settings)


@pytest.mark.shared_data
def test_the_window_model_warns_for_the_next_7_days(
    issued: tuple[Workspace, IssueResult],
) -> None:
    _, result = issued
    window = [w for w in result.warnings if w.model == "logit-7d-1"]
    assert window, [s.reason for s in result.skipped]
    midnight = datetime(2023, 6, 15, tzinfo=UTC)
    floor = Settings().warning_min_probability
    for w in window:
        assert w.issued_at == w.valid_from == midnight
        assert w.valid_to == midnight + timedelta(days=7)
        assert w.area_id.startswith("UA-")
        assert floor <= w.probability <= 1.0
        assert w.threshold >= 1 and w.threshold == int(w.threshold)
        if w.event is WarningEvent.RENEWAL:
            assert w.threshold == 1.0
        assert w.drivers and all(d.note for d in w.drivers)
        assert len(set(w.drivers)) == len(w.drivers), w.drivers  # each named once
        # a run of quiet days or a share of active days is never set against a count's mean
        assert not any(
            d.note.startswith(("days quiet", "share of active")) and "28-day mean" in d.note
            for d in w.drivers
        )
        # drivers name a series family, never a covariate's internal key
        assert all(d.signal in {"alerts", "fires"} for d in w.drivers), w.drivers
    assert "logit-7d-1: alerts/oblast" in result.forecast
    assert "logit-7d-1: fires/oblast" in result.forecast


@pytest.mark.shared_data
def test_window_warnings_are_stored_beside_the_day_warnings(
    issued: tuple[Workspace, IssueResult],
) -> None:
    ws, result = issued
    warnings = SqliteWarnings(ws.store)
    warnings.add(result.warnings)
    midnight = datetime(2023, 6, 15, tzinfo=UTC)
    # valid at some time on the sixth day: only the 7-day warnings still are
    later = warnings.query(
        WarningQuery(since=midnight + timedelta(days=5), until=midnight + timedelta(days=6))
    )
    assert later and {s.record.model for s in later} == {"logit-7d-1"}
    assert len(later) == sum(w.model == "logit-7d-1" for w in result.warnings)
