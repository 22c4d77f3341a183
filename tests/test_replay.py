"""Replay and the report command, end to end on the shipped real samples."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.cli import main
from ceasefire.demo import SAMPLES, sample_path
from ceasefire.errors import CeasefireError
from ceasefire.ledger.checkpoint import keygen
from ceasefire.observations.sources.registry import get_source
from ceasefire.replay import replay
from ceasefire.store.base import ObservationQuery
from ceasefire.verifier import main as verify_main
from ceasefire.workspace import Workspace

START, END = datetime(2023, 1, 5, tzinfo=UTC), datetime(2023, 1, 8, tzinfo=UTC)


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["ceasefire", *args])
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_replay_writes_window_and_daily_reports_with_counts_from_the_store(tmp_path: Path) -> None:
    inputs = [(get_source(source), sample_path(name)) for source, name in SAMPLES]
    result = replay(
        example_agreement_dir(), START, END, inputs, tmp_path / "ws", formats=["html", "md"]
    )
    assert [d.day for d in result.days] == ["2023-01-05", "2023-01-06", "2023-01-07"]
    assert set(result.reports) >= {"html", "md", "2023-01-06.html"}
    assert result.verification is not None and result.verification.observations > 0
    with Workspace.open(tmp_path / "ws") as ws:
        for day in result.days:
            since = datetime.fromisoformat(day.day).replace(tzinfo=UTC)
            query = ObservationQuery(since=since, until=since.replace(day=since.day + 1))
            assert day.observations == ws.store.count_observations(query)
            assert sum(day.observations_by_source.values()) == day.observations
    markdown = result.reports["md"].read_text()
    assert "as if in force" in markdown and "## Coverage gaps" in markdown
    assert "## Warnings" in markdown


def test_replay_issues_and_stores_each_days_warnings_before_its_report(tmp_path: Path) -> None:
    from ceasefire.settings import Settings
    from ceasefire.store.warnings_sqlite import SqliteWarnings, WarningQuery

    inputs = [(get_source(source), sample_path(name)) for source, name in SAMPLES]
    # at this floor 2023-01-13 has no warning, 2023-01-09 some: both kinds of section
    start, end = datetime(2023, 1, 9, tzinfo=UTC), datetime(2023, 1, 14, tzinfo=UTC)
    settings = Settings(workspace=tmp_path / "ws", warning_min_probability=0.2)
    result = replay(
        example_agreement_dir(),
        start,
        end,
        inputs,
        tmp_path / "ws",
        formats=["md"],
        settings=settings,
    )
    assert [r.day.isoformat() for r in result.issued] == [d.day for d in result.days]
    assert [d.warnings for d in result.days] == [len(r.warnings) for r in result.issued]
    assert all(r.forecast for r in result.issued)
    with Workspace.open(tmp_path / "ws") as ws:
        stored = SqliteWarnings(ws.store).query(WarningQuery(since=start, until=end))
    assert len(stored) == result.warnings
    assert all(s.record.probability >= 0.2 for s in stored)
    for day, issued in zip(result.days, result.issued, strict=True):
        html = result.reports[f"{day.day}.html"].read_text()
        assert "Warnings" in html
        if issued.warnings:
            assert all(w.warning_id in html for w in issued.warnings)
        else:
            assert "No warnings were valid in this window." in html
    assert {bool(r.warnings) for r in result.issued} == {True, False}


def test_replay_refuses_an_empty_window(tmp_path: Path) -> None:
    with pytest.raises(CeasefireError, match="--to must be after --from"):
        replay(example_agreement_dir(), END, START, [], tmp_path / "ws")


def test_report_and_replay_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "replayed"
    firms = f"firms={sample_path('firms_ukraine_2023_window.csv')}"
    alerts = f"alerts={sample_path('air_raid_alerts_official_window.csv')}"
    code, out, _ = run(
        monkeypatch,
        capsys,
        "replay",
        str(example_agreement_dir()),
        firms,
        alerts,
        "--from",
        "2023-01-06",
        "--to",
        "2023-01-07",
        "-w",
        str(ws),
        "--format",
        "md",
    )
    assert code == 0 and "2023-01-06" in out and "window report (md)" in out
    assert "warnings" in out  # the per-day table counts each day's warnings
    # the replay records its reports in its own ledger but signs nothing
    assert not list((ws / "outputs").glob("*.checkpoint"))
    with Workspace.open(ws) as opened:
        kinds = [k for (k,) in opened.store.connection.execute("SELECT kind FROM ledger_records")]
    assert kinds.count("report") == 2 and "incident_state" in kinds
    key = tmp_path / "keys" / "ledger.key"
    vkeys = tmp_path / "mission.vkeys"
    vkeys.write_text(keygen(key, "test.example/log") + "\n")
    monkeypatch.setenv("CEASEFIRE_LEDGER_KEY", str(key))
    code, out, err = run(
        monkeypatch, capsys, "report", "--day", "2023-01-06", "-w", str(ws), "--format", "html,md"
    )
    assert code == 0, err
    outputs = ws / "outputs"
    assert (outputs / "daily-2023-01-06.html").is_file() and (
        outputs / "daily-2023-01-06.md"
    ).is_file()
    leaf = int(re.search(r"report recorded as leaf (\d+)", out).group(1))  # type: ignore[union-attr]
    note = (outputs / "daily-2023-01-06.checkpoint").read_text()
    assert note.startswith("test.example/log\n") and int(note.splitlines()[1]) == leaf + 1
    with Workspace.open(ws) as opened:
        entry = opened.store.ledger.entry(leaf)
        stored = [c.note for c in opened.store.ledger.checkpoints()]
    assert note in stored
    record = json.loads(entry.data)
    assert record["type"] == "report" and record["window_start"] == "2023-01-06T00:00:00Z"
    assert record["agreement_version"] >= 1 and record["generated_at"].endswith("Z")
    names = ["daily-2023-01-06-map.png", "daily-2023-01-06-timeline.png", "daily-2023-01-06.html"]
    assert sorted(f["name"] for f in record["files"]) == [*names, "daily-2023-01-06.md"]
    for f in record["files"]:
        assert f["sha256"] == hashlib.sha256((outputs / f["name"]).read_bytes()).hexdigest()
    code, bundle, _ = run(
        monkeypatch, capsys, "ledger", "proof", "inclusion", "--leaf", str(leaf), "-w", str(ws)
    )
    assert code == 0
    bundle_path = tmp_path / "report.json"
    bundle_path.write_text(bundle)
    assert json.loads(bundle)["checkpoint"] == note
    assert verify_main(["inclusion", str(bundle_path), "--vkeys", str(vkeys)]) == 0
    assert run(monkeypatch, capsys, "ledger", "verify", "-w", str(ws))[0] == 0
    monkeypatch.delenv("CEASEFIRE_LEDGER_KEY")
    code, _, err = run(
        monkeypatch,
        capsys,
        "replay",
        str(example_agreement_dir()),
        "nosep",
        "--from",
        "2023-01-06",
        "--to",
        "2023-01-07",
        "-w",
        str(tmp_path / "x"),
    )
    assert code == 1 and "SOURCE=FILE" in err
    code, _, err = run(monkeypatch, capsys, "report", "-w", str(ws))
    assert code == 1 and "--day" in err
