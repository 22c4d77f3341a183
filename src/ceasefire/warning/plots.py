"""Backtest plots: skill against the best baseline, precision-recall, reliability, and the
national total against the forecast over the hold-out.

Drawn on matplotlib's Agg canvas without pyplot, so no global figure state is touched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ceasefire.warning.backtest import TargetResult
from ceasefire.warning.forecast import MODEL_NAME
from ceasefire.warning.metrics import precision_recall_curve

RELIABILITY_BINS = 10


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    FigureCanvasAgg(fig)
    fig.savefig(path)
    return path


def skill_chart(results: list[TargetResult], path: Path) -> Path:
    """Bars: CRPS and ignorance skill of the model against the best baseline, with targets."""
    fig = Figure(figsize=(8, 4), dpi=110)
    ax = fig.subplots()
    x = np.arange(len(results))
    ax.bar(x - 0.2, [100 * r.skill(r.crps) for r in results], 0.4, label="CRPS skill")
    ax.bar(x + 0.2, [100 * r.skill(r.ignorance) for r in results], 0.4, label="ignorance skill")
    ax.axhline(10, color="C0", linestyle="--", linewidth=1, label="CRPS target 10 %")
    ax.axhline(30, color="C1", linestyle="--", linewidth=1, label="ignorance target 30 %")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [r.key for r in results], rotation=15)
    ax.set_ylabel("% better than the best baseline")
    ax.set_title("Hold-out skill of the NB regression")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _finish_precision_recall(fig: Figure, ax: Axes, title: str, path: Path) -> Path:
    """The target star, unit axes, labels, title and legend of a precision-recall chart."""
    ax.plot([0.6], [0.5], marker="*", color="black", markersize=12, linestyle="none")
    ax.annotate("target", (0.6, 0.5), textcoords="offset points", xytext=(6, 6))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(title)
    ax.legend(fontsize=7)
    return _save(fig, path)


def precision_recall_chart(results: list[TargetResult], path: Path) -> Path:
    """Precision-recall curves of the warning probabilities, model (solid) and climatology."""
    fig = Figure(figsize=(6, 5), dpi=110)
    ax = fig.subplots()
    for i, r in enumerate(results):
        if not r.event.any():
            continue
        recall, precision = precision_recall_curve(r.p_event, r.event)
        ax.plot(recall, precision, color=f"C{i}", label=f"{r.key} (AP {r.auc_pr[MODEL_NAME]:.2f})")
        recall, precision = precision_recall_curve(r.p_climatology, r.event)
        ax.plot(recall, precision, color=f"C{i}", linestyle=":", linewidth=1)
    return _finish_precision_recall(fig, ax, "Warnings on the hold-out (dotted: climatology)", path)


def window_precision_recall_chart(results: list[TargetResult], path: Path) -> Path:
    """Precision-recall of the multi-day warnings: model (solid), climatology (dotted) and
    recent runs (dashed)."""
    fig = Figure(figsize=(6, 5), dpi=110)
    ax = fig.subplots()
    horizon = 0
    for i, r in enumerate(results):
        w = r.window
        if w is None or not w.event.any():
            continue
        horizon = w.horizon
        recall, precision = precision_recall_curve(w.p_event, w.event)
        ax.plot(recall, precision, color=f"C{i}", label=f"{r.key} (AP {w.auc_pr[w.model]:.2f})")
        for name, style in (("climatology", ":"), ("recent runs", "--")):
            recall, precision = precision_recall_curve(w.p_references[name], w.event)
            ax.plot(recall, precision, color=f"C{i}", linestyle=style, linewidth=0.8)
    title = f"{horizon}-day warnings on the hold-out (dotted: climatology, dashed: recent)"
    return _finish_precision_recall(fig, ax, title, path)


def reliability_chart(results: list[TargetResult], path: Path) -> Path:
    """Observed event frequency against forecast probability, in ten bins."""
    fig = Figure(figsize=(5, 5), dpi=110)
    ax = fig.subplots()
    edges = np.linspace(0, 1, RELIABILITY_BINS + 1)
    for i, r in enumerate(results):
        bins = np.clip(np.digitize(r.p_event, edges) - 1, 0, RELIABILITY_BINS - 1)
        used = [b for b in range(RELIABILITY_BINS) if (bins == b).sum() >= 20]
        ax.plot(
            [float(r.p_event[bins == b].mean()) for b in used],
            [float(r.event[bins == b].mean()) for b in used],
            marker="o",
            color=f"C{i}",
            label=r.key,
        )
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
    ax.set_xlabel("forecast probability (bins with at least 20 area-days)")
    ax.set_ylabel("observed frequency")
    ax.set_title("Reliability of warning probabilities")
    ax.legend(fontsize=7)
    return _save(fig, path)


def national_chart(result: TargetResult, path: Path) -> Path:
    """The hold-out's national total against the model's mean and 90 % band."""
    fig = Figure(figsize=(8, 3.5), dpi=110)
    ax = fig.subplots()
    n = result.national
    days = np.arange(len(n["actual"]))
    ax.fill_between(days, n["q05"], n["q95"], alpha=0.3, label="model 90 % band")
    ax.plot(days, n["mean"], label="model mean")
    ax.plot(days, n["actual"], color="black", linewidth=1, label="observed")
    ax.set_xlabel(f"days from {result.holdout_days[0]}")
    ax.set_ylabel("sum over areas")
    ax.set_title(f"{result.key}: one-day-ahead forecasts on the hold-out")
    ax.legend(fontsize=8)
    return _save(fig, path)


def write_plots(results: list[TargetResult], directory: Path) -> list[Path]:
    """Every backtest plot into ``directory``; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [
        skill_chart(results, directory / "skill.png"),
        precision_recall_chart(results, directory / "precision-recall.png"),
        reliability_chart(results, directory / "reliability.png"),
    ]
    if any(r.window is not None for r in results):
        written.append(
            window_precision_recall_chart(results, directory / "precision-recall-window.png")
        )
    for r in results:
        name = r.key.replace("/", "-")
        written.append(national_chart(r, directory / f"holdout-{name}.png"))
    return written
