"""No data is not quiet: ``issue_day`` forecasts a signal only when its sources delivered
data covering the day before. Real rows throughout: the shipped samples, and the real
FIRMS sample of January 2023 cut after 2023-01-08 (2023-01-09 has 3 real detections; the
cut file stands for a delivery that ends before them). Only the receipt times of the
deliveries are set by the test (the store's clock), to stand for a live feed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.cli import main
from ceasefire.demo import SAMPLES, sample_path
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.settings import Settings
from ceasefire.store.base import Delivery, ObservationQuery
from ceasefire.store.verification_sqlite import SqliteVerification
from ceasefire.timeutil import to_epoch_us
from ceasefire.verification.coverage import CoverageGap, GapKind
from ceasefire.warning.inputs import coverage, delivery_covers_until
from ceasefire.warning.issue import IssueResult, issue_day
from ceasefire.workspace import Workspace

FIRMS_2023 = "firms_ukraine_2023_window.csv"
DAY = date(2023, 1, 10)  # issued at 00:00: needs data covering 2023-01-09
MIDNIGHT = datetime(2023, 1, 10, tzinfo=UTC)


def _cut_firms(tmp: Path) -> Path:
    """The real January FIRMS sample, rows up to 2023-01-08 only (none of 2023-01-09)."""
    lines = sample_path(FIRMS_2023).read_text().splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[2] <= "2023-01-08"]
    out = tmp / "firms_2023_until_0108.csv"
    out.write_text("\n".join(kept) + "\n")
    return out


def _workspace(
    root: Path, monkeypatch: pytest.MonkeyPatch, firms_received: datetime | None
) -> Workspace:
    """Samples (the other sources as files of past data); the cut FIRMS file received at
    ``firms_received`` (None: now, long after its records: a file of past data)."""
    ws = Workspace.init(root / "ws")
    ws.load_agreement(example_agreement_dir())
    for source, name in SAMPLES:
        if name != FIRMS_2023:
            ingest_file(ws.store, get_source(source), sample_path(name))
    with monkeypatch.context() as patch:
        if firms_received is not None:
            moment = to_epoch_us(firms_received)
            patch.setattr("ceasefire.store.sqlite._now_us", lambda: moment)
        ingest_file(ws.store, get_source("firms"), _cut_firms(root))
    return ws


def _issue(ws: Workspace, day: date = DAY) -> IssueResult:
    return issue_day(ws, day, Settings(workspace=ws.root, warning_levels="oblast"))


def _skipped(result: IssueResult) -> dict[str, str]:
    return {s.series: s.reason for s in result.skipped}


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """FIRMS delivered at 00:30 on the day: it covers 2023-01-09, which had no detection."""
    with _workspace(tmp_path, monkeypatch, datetime(2023, 1, 10, 0, 30, tzinfo=UTC)) as ws:
        yield ws


def test_a_delivery_covering_the_day_before_with_no_events_is_a_quiet_day(
    live: Workspace,
) -> None:
    day_before = ObservationQuery(
        since=datetime(2023, 1, 9, tzinfo=UTC), until=MIDNIGHT, sources=("firms",)
    )
    assert live.store.count_observations(day_before) == 0
    result = _issue(live)
    assert "fires" not in _skipped(result)
    assert "nbglm-1: fires/oblast" in result.forecast


def test_a_delivery_received_before_the_day_ended_does_not_cover_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received = datetime(2023, 1, 9, 12, tzinfo=UTC)
    with _workspace(tmp_path, monkeypatch, received) as ws:
        result = _issue(ws)
    reason = _skipped(result)["fires"]
    assert "2023-01-09 not delivered" in reason
    assert "firms" in reason and "covers up to 2023-01-09 12:00" in reason
    assert not any(key.startswith("nbglm-1: fires/") for key in result.forecast)
    assert not any(w.signal == "fires" for w in result.warnings)
    # alerts and conflict read yesterday's fires: skipped too; nothing else is
    skipped = _skipped(result)
    assert skipped["alerts"] == skipped["conflict"] == "reads fires yesterday, not delivered"
    assert set(skipped) == {"fires", "alerts", "conflict", "attacks"}
    assert not result.forecast and not result.warnings


def test_a_file_of_past_data_covers_only_the_days_its_records_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _workspace(tmp_path, monkeypatch, None) as ws:
        assert "fires" in _skipped(_issue(ws))  # 2023-01-09: past the file's last record
        assert "fires" not in _skipped(_issue(ws, date(2023, 1, 9)))  # 2023-01-08: in it
        known = coverage(ws.store, ["firms", "acled"])
    assert known["firms"].until == datetime(2023, 1, 9, tzinfo=UTC)
    assert known["acled"].until is None


def test_a_recorded_sensor_outage_of_the_source_skips_its_signal(live: Workspace) -> None:
    SqliteVerification(live.store).add_gap(
        CoverageGap(
            kind=GapKind.SENSOR_OUTAGE,
            start=datetime(2023, 1, 9, 6, tzinfo=UTC),
            end=datetime(2023, 1, 9, 18, tzinfo=UTC),
            sensor="firms",
            reported_by="test",
        )
    )
    reason = _skipped(_issue(live))["fires"]
    assert "sensor outage" in reason and "2023-01-09 06:00" in reason


def test_deliveries_per_run_and_a_repeat_covers_nothing(live: Workspace) -> None:
    again = ingest_file(live.store, get_source("alerts"), sample_path(SAMPLES[2][1]))
    runs = {d.run: d for d in live.store.deliveries(("alerts", "firms"))}
    repeat = runs[again.run]
    assert repeat.accepted == 0 and repeat.duplicates > 0 and repeat.last_at is None
    assert delivery_covers_until(repeat) is None
    firms = [d for d in runs.values() if d.source == "firms"]
    assert [d.file_name for d in firms][-1] == "firms_2023_until_0108.csv"
    cut = firms[-1]
    assert cut.received_at == datetime(2023, 1, 10, 0, 30, tzinfo=UTC)
    assert cut.first_at == datetime(2023, 1, 1, tzinfo=UTC)
    assert cut.last_at == MIDNIGHT.replace(day=9)  # the end of 2023-01-08
    assert delivery_covers_until(cut) == cut.received_at


def test_an_empty_delivery_covers_up_to_its_receipt() -> None:
    received = datetime(2023, 1, 10, 0, 30, tzinfo=UTC)
    empty = Delivery(1, "firms", "f.csv", received, 0, 0, None, None)
    assert delivery_covers_until(empty) == received


def test_the_cli_prints_what_was_not_forecast_and_why(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    received = datetime(2023, 1, 9, 12, tzinfo=UTC)
    _workspace(tmp_path, monkeypatch, received).close()
    monkeypatch.setattr(
        sys,
        "argv",
        ["ceasefire", "warnings", "issue", "--day", f"{DAY}", "-w", str(tmp_path / "ws")],
    )
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("CEASEFIRE_WARNING_LEVELS", "oblast")
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    out = capsys.readouterr().out
    assert f"not forecast for {DAY}" in out
    assert "fires" in out and "2023-01-09 not delivered" in out
    assert "no data from attacks delivered yet" in out
