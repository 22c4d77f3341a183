"""``ceasefire warnings issue`` and ``ceasefire warnings list``, run in-process on a real
workspace. The issuer is replaced by one that returns MADE-UP warnings (conftest.py): these
tests are about storing and showing warnings, not about the forecasting models."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ceasefire.cli import main
from ceasefire.warning.model import WarningRecord
from ceasefire.workspace import Workspace

Warnings = tuple[WarningRecord, ...]
ISSUER = "ceasefire.warning.issue"


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["ceasefire", *args])
    monkeypatch.setenv("COLUMNS", "250")
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
    code, _, err = run(monkeypatch, capsys, "init", str(root))
    assert code == 0, err
    return root


@pytest.fixture
def issued_for(monkeypatch: pytest.MonkeyPatch, made_up_warnings: Warnings) -> list[date]:
    """Replace the issuer by one returning the made-up warnings valid on the asked day."""
    calls: list[date] = []

    def issue_warnings(workspace: Workspace, day: date) -> Sequence[WarningRecord]:
        assert isinstance(workspace, Workspace)
        calls.append(day)
        return [w for w in made_up_warnings if w.valid_from.date() == day]

    module = types.ModuleType(ISSUER)
    module.issue_warnings = issue_warnings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, ISSUER, module)
    return calls


def _listed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], root: Path, *args: str
) -> list[dict[str, Any]]:
    code, out, err = run(monkeypatch, capsys, "warnings", "list", "-w", str(root), "--format",
                         "json", *args)  # fmt: skip
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def test_issue_stores_the_days_warnings_once_and_prints_them(
    workspace: Path,
    issued_for: list[date],
    made_up_warnings: Warnings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    day = made_up_warnings[0].valid_from.date()
    expected = [w for w in made_up_warnings if w.valid_from.date() == day]
    code, out, err = run(monkeypatch, capsys, "warnings", "issue", "--day", f"{day}", "-w",
                         str(workspace))  # fmt: skip
    assert code == 0, err
    assert issued_for == [day]
    for w in expected:
        assert w.warning_id in out and w.area_id in out
    assert f"{len(expected)} new warning(s) stored" in out
    code, out, _ = run(monkeypatch, capsys, "warnings", "issue", "--day", f"{day}", "-w",
                       str(workspace))  # fmt: skip
    assert code == 0 and f"0 new warning(s) stored, each a ledger leaf; {len(expected)}" in out
    rows = _listed(monkeypatch, capsys, workspace)
    assert sorted(r["warning_id"] for r in rows) == sorted(w.warning_id for w in expected)
    assert all(isinstance(r["leaf_index"], int) for r in rows)


def test_list_filters_like_the_store(
    workspace: Path,
    made_up_warnings: Warnings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ceasefire.store.warnings_sqlite import SqliteWarnings

    with Workspace.open(workspace) as ws:
        SqliteWarnings(ws.store).add(made_up_warnings)
    since: datetime = min(w.valid_from for w in made_up_warnings) + timedelta(days=2)
    rows = _listed(monkeypatch, capsys, workspace, "--since", since.isoformat(), "--area",
                   "UA-23", "--min-probability", "0.6")  # fmt: skip
    expected = [
        w
        for w in made_up_warnings
        if w.valid_to > since and w.area_id == "UA-23" and w.probability >= 0.6
    ]
    assert expected
    assert [r["warning_id"] for r in rows] == [
        w.warning_id for w in sorted(expected, key=lambda w: w.valid_from)
    ]
    assert rows[0]["drivers"] == [d.as_dict() for d in expected[0].drivers]
    code, out, _ = run(monkeypatch, capsys, "warnings", "list", "-w", str(workspace))
    assert code == 0 and f"{len(made_up_warnings)} warning(s)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list", "--min-probability", "2"), "--min-probability"),
        (("list", "--event", "invasion"), "unknown event 'invasion'"),
        (("list", "--since", "yesterday"), "--since"),
        (("issue", "--day", "2023-13-01"), "--day"),
    ],
)
def test_bad_options_say_what_is_wrong(
    args: tuple[str, ...],
    message: str,
    workspace: Path,
    issued_for: list[date],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(monkeypatch, capsys, "warnings", *args, "-w", str(workspace))
    assert code == 1 and message in err
    assert issued_for == []


def test_issue_without_the_forecasting_part_says_so(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, ISSUER, None)  # as if the module were not installed
    code, _, err = run(monkeypatch, capsys, "warnings", "issue", "--day", "2023-01-06", "-w",
                       str(workspace))  # fmt: skip
    assert code == 1 and ISSUER in err
