"""``issue_warnings`` on a real small workspace: the shipped samples (FIRMS, air-raid alerts,
UCDP of December 2022 and January 2023) ingested under the example agreement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.demo import SAMPLES, sample_path
from ceasefire.errors import CeasefireError
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.settings import Settings
from ceasefire.warning.issue import issue_warnings
from ceasefire.warning.model import WarningEvent, WarningRecord
from ceasefire.warning.signals import SIGNAL_NAMES
from ceasefire.workspace import Workspace

DAY = date(2023, 1, 20)
DAYS_OF_MODEL = {"nbglm-1": 1, "logit-7d-1": 7}


def _sample_workspace(root: Path, extra_firms: Path | None = None) -> Workspace:
    ws = Workspace.init(root)
    ws.load_agreement(example_agreement_dir())
    for source, name in SAMPLES:
        ingest_file(ws.store, get_source(source), sample_path(name))
    if extra_firms is not None:
        ingest_file(ws.store, get_source("firms"), extra_firms)
    return ws


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    with _sample_workspace(tmp_path_factory.mktemp("samples")) as ws:
        yield ws


@pytest.fixture(scope="module")
def warnings(workspace: Workspace) -> list[WarningRecord]:
    return issue_warnings(workspace, DAY)


def test_warnings_are_records_issued_at_midnight_for_the_day(
    workspace: Workspace, warnings: list[WarningRecord]
) -> None:
    assert warnings, "the samples hold a month of fires and alerts: expect some warnings"
    _, agreement = workspace.active_agreement()
    codes = {a.code for a in agreement.geography.admin_areas}
    midnight = datetime(2023, 1, 20, tzinfo=UTC)
    floor = Settings().warning_min_probability
    for w in warnings:
        assert w.issued_at == w.valid_from == midnight
        # the day model warns for the day, the window model for the next 7 days
        assert w.valid_to == midnight + timedelta(days=DAYS_OF_MODEL[w.model])
        assert w.lead_time_s == 0.0
        assert w.area_id in codes | {"UA"} or w.area_id.startswith("cell25km:")
        assert w.area_name and w.area_name != w.area_id
        assert w.signal in SIGNAL_NAMES
        assert floor <= w.probability <= 1.0
        assert w.drivers, "every warning names what drove it"
        assert w.lon is not None and 22 < w.lon < 41 and w.lat is not None and 44 < w.lat < 53
        if w.event is WarningEvent.RENEWAL:
            assert w.threshold == 1.0
    probabilities = [w.probability for w in warnings]
    assert probabilities == sorted(probabilities, reverse=True)
    assert len({w.warning_id for w in warnings}) == len(warnings)


def test_the_7_day_model_needs_more_history_than_the_samples_hold(workspace: Workspace) -> None:
    from ceasefire.warning.issue import issue_day

    result = issue_day(workspace, DAY, Settings(workspace=workspace.root))
    assert {w.model for w in result.warnings} == {"nbglm-1"}
    skipped = [s for s in result.skipped if s.reason.startswith("logit-7d-1:")]
    assert skipped and all("it needs 60" in s.reason for s in skipped)


def test_issuing_again_gives_the_same_warnings(
    workspace: Workspace, warnings: list[WarningRecord]
) -> None:
    again = issue_warnings(workspace, DAY)
    assert [w.as_dict() for w in again] == [w.as_dict() for w in warnings]


def test_observations_after_the_day_began_change_nothing(
    tmp_path: Path, warnings: list[WarningRecord]
) -> None:
    made_up = tmp_path / "made_up_firms_after_the_day.csv"
    rows = ["LATITUDE,LONGITUDE,ACQ_DATE"]  # made-up detections, not real data
    for i in range(300):
        day = DAY + timedelta(days=i % 5)
        rows.append(f"{47.0 + (i % 30) * 0.15:.4f},{30.0 + (i % 37) * 0.2:.4f},{day}")
    made_up.write_text("\n".join(rows) + "\n")
    with _sample_workspace(tmp_path / "ws", made_up) as ws:
        assert ws.store.summary().observations_by_source["firms"] > 900
        later = issue_warnings(ws, DAY)
        assert [w.as_dict() for w in later] == [w.as_dict() for w in warnings]
        # the same made-up rows do change the next day's warnings: the test can fail
        next_day = issue_warnings(ws, DAY + timedelta(days=1))
    with _sample_workspace(tmp_path / "plain") as plain:
        assert next_day != issue_warnings(plain, DAY + timedelta(days=1))


def test_a_workspace_without_an_agreement_is_refused(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "empty") as ws, pytest.raises(CeasefireError, match="agreement"):
        issue_warnings(ws, DAY)


def test_series_from_the_store_equal_series_from_the_files(workspace: Workspace) -> None:
    import numpy as np

    from ceasefire.warning.areas import AreaIndex
    from ceasefire.warning.inputs import records_from_files, records_from_store
    from ceasefire.warning.series import DayAxis, build_series

    _, agreement = workspace.active_agreement()
    index = AreaIndex(agreement)
    axis = DayAxis(date(2022, 11, 25), 75)
    from_store = records_from_store(workspace.store, datetime(2023, 3, 1, tzinfo=UTC))
    files = [(source, sample_path(name)) for source, name in SAMPLES]
    from_files = records_from_files(files, get_source)
    assert len(from_store) > 3000
    a, b = build_series(from_store, index, axis), build_series(from_files, index, axis)
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key].values, b[key].values), key
        assert np.array_equal(a[key].onset_us, b[key].onset_us), key


def test_at_midnight_a_running_alert_counts_until_midnight_and_a_running_report_not() -> None:
    import numpy as np

    from ceasefire.observations.model import NO_TIME
    from ceasefire.warning.inputs import _as_known_at
    from ceasefire.warning.records import SignalRecords
    from ceasefire.warning.signals import SIGNAL_NAMES

    hour = 3_600_000_000
    midnight = 1_000 * 24 * hour
    records = SignalRecords(  # made-up: an alert and an attack report, both running at midnight
        signal=np.array(
            [SIGNAL_NAMES.index("alerts"), SIGNAL_NAMES.index("attacks"), 0], dtype=np.int8
        ),
        start_us=np.array([midnight - 2 * hour, midnight - 6 * hour, midnight - hour]),
        end_us=np.array([midnight + 3 * hour, midnight + 8 * hour, NO_TIME]),
        lon=np.full(3, np.nan),
        lat=np.full(3, np.nan),
        uncertainty_m=np.full(3, np.nan),
        link_row=np.zeros(0, dtype=np.int64),
        link_area=[],
    )
    known = _as_known_at(records, midnight)
    assert known.signal.tolist() == [SIGNAL_NAMES.index("alerts"), 0]
    assert known.end_us.tolist() == [midnight, NO_TIME]
