"""``ceasefire backtest``: the early-warning models against the baselines on real data."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from ceasefire.console import make_progress

if TYPE_CHECKING:
    from ceasefire.warning.backtest import TargetResult

console = Console()
err_console = Console(stderr=True)


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{100 * value:+.1f} %"


def _num(value: float, digits: int = 3) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def backtest(
    data: Annotated[
        Path, typer.Option("--data", help="The real data folder (../shared/data).")
    ] = Path("../shared/data"),
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory for results.json and the plots.")
    ] = Path("backtest-output"),
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            help="Series to backtest, SIGNAL/LEVEL (repeatable) [alerts/oblast, "
            "attacks/oblast, fires/oblast, conflict/oblast, fires/cell].",
        ),
    ] = None,
    holdout_days: Annotated[
        int, typer.Option("--holdout-days", min=28, help="Held-out days at the end of each series.")
    ] = 92,
    agreement: Annotated[
        Path | None,
        typer.Option("--agreement", help="Agreement whose oblasts to use [the shipped example]."),
    ] = None,
    horizon_days: Annotated[
        int,
        typer.Option(
            "--horizon-days",
            min=0,
            max=28,
            help="Also score warnings for this many days from each origin (0: day-ahead only).",
        ),
    ] = 7,
) -> None:
    """Fit on the earlier data, forecast each held-out day from the days before it, score."""
    from ceasefire.agreement.loader import example_agreement_dir, load_agreement
    from ceasefire.observations.sources.registry import get_source
    from ceasefire.warning.areas import AreaIndex
    from ceasefire.warning.backtest import (
        DEFAULT_TARGETS,
        results_markdown,
        run_backtest,
        summary,
    )
    from ceasefire.warning.inputs import records_from_files, shared_files
    from ceasefire.warning.plots import write_plots
    from ceasefire.warning.series import axis_for, build_series

    started = time.perf_counter()
    files = shared_files(data)
    targets = tuple(target) if target else DEFAULT_TARGETS
    with make_progress(err_console) as progress:
        task = progress.add_task("read shared data", total=len(files))
        records = records_from_files(
            files, get_source, on_file=lambda _path: progress.advance(task)
        )
        index = AreaIndex(load_agreement(agreement or example_agreement_dir()))
        series = build_series(records, index, axis_for(records))
        axis = axis_for(records)

        def on_target(key: str, days: int) -> Callable[[], None]:
            day_task = progress.add_task(f"backtest {key}", total=days)
            return lambda: progress.advance(day_task)

        results = run_backtest(series, axis, targets, holdout_days, on_target, horizon_days)
    output.mkdir(parents=True, exist_ok=True)
    rows = summary(results)
    (output / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    (output / "results.md").write_text(results_markdown(results))
    plots = write_plots(results, output)
    console.print(_scores_table(results))
    console.print(_warnings_table(results))
    if any(r.window is not None for r in results):
        console.print(_window_table(results))
    total = time.perf_counter() - started
    console.print(f"fit_seconds: {sum(r.fit_seconds for r in results):.1f}")
    console.print(f"backtest_seconds: {total:.1f}")
    console.print(
        f"results: {output / 'results.json'}, {output / 'results.md'}; "
        f"plots: {len(plots)} PNG in {output}"
    )


def _scores_table(results: list[TargetResult]) -> Table:
    from ceasefire.warning.backtest import MODELS

    table = Table(title="Count forecasts on the hold-out: mean CRPS / ignorance (bits)")
    table.add_column("series")
    table.add_column("hold-out")
    for model in MODELS:
        table.add_column(model, justify="right")
    table.add_column("CRPS skill", justify="right")
    table.add_column("ign. skill", justify="right")
    for r in results:
        table.add_row(
            r.key,
            f"{r.holdout_days[0]}..{r.holdout_days[1]}",
            *(f"{_num(r.crps[m])} / {_num(r.ignorance[m])}" for m in MODELS),
            _pct(r.skill(r.crps)),
            _pct(r.skill(r.ignorance)),
        )
    return table


def _warnings_table(results: list[TargetResult]) -> Table:
    from ceasefire.warning.forecast import MODEL_NAME

    table = Table(title="Warnings on the hold-out (renewal after 7 quiet days, or escalation)")
    for name in (
        "series",
        "events",
        "base rate",
        "BSS vs clim.",
        "AUC-PR (clim.)",
        "recall / precision (fitted thr.)",
        "recall / precision (<=1 FA/area/30 d)",
        "median lead (h)",
    ):
        table.add_column(name, justify="right" if name != "series" else "left")
    for r in results:
        table.add_row(
            r.key,
            str(r.tuned.events),
            _num(r.base_rate),
            _num(r.brier_skill),
            f"{_num(r.auc_pr[MODEL_NAME])} ({_num(r.auc_pr['climatology'])})",
            f"{_num(r.tuned.recall, 2)} / {_num(r.tuned.precision, 2)}",
            f"{_num(r.at_budget.recall, 2)} / {_num(r.at_budget.precision, 2)}",
            _num(r.median_lead_hours, 1),
        )
    return table


def _window_table(results: list[TargetResult]) -> Table:
    horizon = next(r.window.horizon for r in results if r.window is not None)
    table = Table(
        title=f"Warnings for the next {horizon} days on the hold-out "
        "(renewal after 7 quiet days, or a busier run than 9 in 10 of the last quarter's)"
    )
    for name in (
        "series",
        "origins",
        "base rate",
        "BSS vs best ref.",
        "AUC-PR (clim., recent)",
        "recall / precision (<=1 FA/area/30 d)",
        "recall / precision (prec. 0.5 on fit)",
        "median lead (h)",
    ):
        table.add_column(name, justify="right" if name != "series" else "left")
    for r in results:
        w = r.window
        if w is None:
            continue
        ap = w.auc_pr
        table.add_row(
            r.key,
            str(w.origins),
            _num(w.base_rate),
            _num(w.brier_skill),
            f"{_num(ap[w.model])} ({_num(ap['climatology'])}, {_num(ap['recent runs'])})",
            f"{_num(w.at_fitted_budget.recall, 2)} / {_num(w.at_fitted_budget.precision, 2)}",
            f"{_num(w.at_fitted_precision.recall, 2)} / {_num(w.at_fitted_precision.precision, 2)}",
            _num(w.median_lead_hours, 1),
        )
    return table


def register(app: typer.Typer) -> None:
    """Add ``backtest`` to the main ``ceasefire`` app."""
    app.command("backtest")(backtest)
