"""The command line, driven as a user drives it: real files, a real SQLite workspace."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.cli import main
from ceasefire.demo import sample_path


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["ceasefire", *args])
    monkeypatch.setenv("COLUMNS", "200")
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    root = tmp_path / "ws"
    code, out, _ = run(monkeypatch, capsys, "init", str(root))
    assert code == 0 and "workspace ready" in out
    return root


def test_init_creates_a_store_and_folders(workspace: Path) -> None:
    assert (workspace / "ceasefire.db").is_file()
    assert (workspace / "agreements").is_dir() and (workspace / "outputs").is_dir()


def test_a_command_on_a_missing_workspace_says_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(monkeypatch, capsys, "status", "-w", str(tmp_path / "nowhere"))
    assert code == 1
    assert "is not a ceasefire workspace; create it with: ceasefire init" in err
    assert len(err.strip().splitlines()) == 1


def test_an_unreadable_input_file_is_one_line_and_a_non_zero_exit(
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "missing.csv"
    code, _, err = run(monkeypatch, capsys, "ingest", "firms", str(missing), "-w", str(workspace))
    assert code == 1 and "missing.csv" in err and len(err.strip().splitlines()) == 1
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    code, _, err = run(monkeypatch, capsys, "ingest", "firms", str(wrong), "-w", str(workspace))
    assert code == 1 and "wrong.csv" in err and len(err.strip().splitlines()) == 1


def test_an_unknown_source_lists_the_known_ones(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(monkeypatch, capsys, "ingest", "nosuch", "x.csv", "-w", str(workspace))
    assert code == 1 and "unknown source 'nosuch'" in err and "firms" in err


def test_agreement_check_and_show_on_the_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = example_agreement_dir()
    code, out, _ = run(monkeypatch, capsys, "agreement", "check", str(directory))
    assert code == 0 and out.startswith("ok ")
    png = tmp_path / "zones.png"
    code, out, _ = run(monkeypatch, capsys, "agreement", "show", str(directory), "--map", str(png))
    assert code == 0
    for zone in ("tanks-mortars", "artillery", "mlrs", "heavy-mlrs", "free-zone", "znpp"):
        assert zone in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_agreement_check_reports_problems_with_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "agreement.yaml").write_text("id: x\nversion: one\n")
    code, _, err = run(monkeypatch, capsys, "agreement", "check", str(broken))
    assert code == 1
    assert "agreement.yaml" in err and "version" in err


def test_ingest_twice_then_query_with_filters(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(workspace)
    code, out, _ = run(
        monkeypatch, capsys, "agreement", "load", str(example_agreement_dir()), "-w", ws
    )
    assert code == 0 and "now active" in out
    firms = str(sample_path("firms_ukraine_2023_window.csv"))
    code, out, _ = run(monkeypatch, capsys, "ingest", "firms", firms, "-w", ws)
    assert code == 0 and "assessed 491 observation(s)" in out
    code, out, _ = run(monkeypatch, capsys, "ingest", "firms", firms, "-w", ws)
    assert code == 0 and "assessed 0 observation(s)" in out  # a second ingest adds nothing

    code, out, _ = run(monkeypatch, capsys, "observations", "-w", ws, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 491
    assert {r["source"] for r in rows} == {"firms"}
    in_band = [r for r in rows if "artillery" in r["zones"].split(";")]
    assert in_band, "some January 2023 fires lie in the 50 km artillery band"
    assert all(abs(float(r["signed_distance_m"])) <= 25_000 for r in in_band)

    code, out, _ = run(
        monkeypatch,
        capsys,
        "observations",
        "-w",
        ws,
        "--zone",
        "artillery",
        "--side",
        "RU",
        "--format",
        "geojson",
    )
    assert code == 0
    features = json.loads(out)["features"]
    expected = [r for r in in_band if r["side"] == "RU"]
    assert len(features) == len(expected)
    assert all(
        f["properties"]["side"] == "RU" and f["properties"]["signed_distance_m"] > 0
        for f in features
    )

    code, out, _ = run(
        monkeypatch,
        capsys,
        "observations",
        "-w",
        ws,
        "--since",
        "2023-01-06",
        "--until",
        "2023-01-08",
        "--format",
        "csv",
    )
    days = {r["observed_at"][:10] for r in csv.DictReader(io.StringIO(out))}
    assert days <= {"2023-01-06", "2023-01-07"} and days

    code, _, err = run(monkeypatch, capsys, "observations", "-w", ws, "--zone", "nosuch")
    assert code == 1 and "no zone 'nosuch'" in err
    code, _, err = run(monkeypatch, capsys, "observations", "-w", ws, "--since", "yesterday")
    assert code == 1 and "--since" in err


def test_rejected_rows_are_kept_and_listed(
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "firms_bad.csv"
    bad.write_text(
        "LATITUDE,LONGITUDE,ACQ_DATE\n48.1,37.5,2023-01-06\n95.0,37.5,2023-01-06\n48.2,37.6,not-a-date\n"
    )
    code, out, _ = run(monkeypatch, capsys, "ingest", "firms", str(bad), "-w", str(workspace))
    assert code == 0 and "2 rejected row(s) kept" in out
    code, out, _ = run(monkeypatch, capsys, "rejections", "-w", str(workspace))
    assert code == 0 and "firms_bad.csv" in out and "95.0,37.5,2023-01-06" in out


def test_the_console_script_runs_as_a_real_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ceasefire", "agreement", "check", str(tmp_path / "absent")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "absent" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_table_shows_the_first_rows_and_the_total(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(workspace)
    alerts = str(sample_path("air_raid_alerts_official_window.csv"))
    code, _, _ = run(monkeypatch, capsys, "ingest", "alerts", alerts, "-w", ws, "--no-assess")
    assert code == 0
    code, out, _ = run(monkeypatch, capsys, "observations", "-w", ws)
    assert code == 0 and "first 100 of 2090 observation(s)" in out
    code, out, _ = run(monkeypatch, capsys, "observations", "-w", ws, "--limit", "5")
    assert code == 0 and out.rstrip().endswith("5 observation(s)")
