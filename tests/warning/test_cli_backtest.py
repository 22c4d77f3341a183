"""``ceasefire backtest`` end to end on the real data (one small target, a short hold-out)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli import app


@pytest.mark.shared_data
def test_backtest_command_prints_tables_and_writes_results_and_plots(
    shared_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bt"
    result = CliRunner().invoke(
        app,
        [
            "backtest",
            "--data",
            str(shared_data),
            "--output",
            str(out),
            "--target",
            "attacks/oblast",
            "--holdout-days",
            "45",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "CRPS" in result.output and "fit_seconds:" in result.output
    rows = json.loads((out / "results.json").read_text())
    assert [r["series"] for r in rows] == ["attacks/oblast"]
    row = rows[0]
    for model in ("nbglm-1", "zero", "climatology", "persistence", "weekly"):
        assert row["crps"][model] >= 0 and row["ignorance_bits"][model] >= 0
    assert row["holdout_days"][0] > row["fit_days"][1]
    assert (out / "skill.png").stat().st_size > 1000
    assert (out / "holdout-attacks-oblast.png").is_file()
    # the 7-day warnings, scored on held-out origins whose whole window is held out
    assert "Warnings for the next 7 days" in result.output
    window = row["window_warnings"]
    assert window["horizon_days"] == 7 and window["model"] == "logit-7d-1"
    assert window["origins"] == 45 - 7 + 1
    assert 0 < window["event_base_rate"] < 1
    assert set(window["auc_pr"]) == {"logit-7d-1", "climatology", "recent runs"}
    assert (out / "precision-recall-window.png").stat().st_size > 1000


@pytest.mark.shared_data
def test_backtest_command_names_an_unknown_series(tmp_path: Path, shared_data: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["backtest", "--data", str(shared_data), "-o", str(tmp_path), "--target", "nope/x"],
    )
    assert result.exit_code != 0
    assert "unknown series nope/x" in str(result.exception)


def test_backtest_command_refuses_a_folder_without_the_data(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["backtest", "--data", str(tmp_path)])
    assert result.exit_code != 0
    assert "shared data files missing" in str(result.exception)
