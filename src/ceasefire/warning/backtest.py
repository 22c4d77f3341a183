"""Rolling-origin backtest: every held-out day is forecast from the days before it only.

For each target series the model is fitted once on the fitting period (``holdout``); then
for each held-out day t the inputs are cut before t (``ModelInputs.until``) and the model
and the four baselines forecast day t. Count forecasts are scored with CRPS and ignorance;
warning probabilities (``events``) with the Brier skill score against climatology, AUC-PR,
and recall and precision at the threshold chosen on the fitting period and at the hold-out's
own false-alarm budget (one per area per 30 days). Lead time is from issue (00:00 UTC of
day t) to the first activity of that day in the area.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from ceasefire.errors import CeasefireError
from ceasefire.observations.model import NO_TIME
from ceasefire.warning import baselines, metrics
from ceasefire.warning.backtest_window import WindowResult, WindowScorer
from ceasefire.warning.events import event_setup, happened
from ceasefire.warning.forecast import MODEL_NAME, inputs_for
from ceasefire.warning.holdout import (
    DEFAULT_HOLDOUT_DAYS,
    FALSE_ALARMS_PER_AREA_PER_30_DAYS,
    Split,
    fit,
    split_for,
    tune,
)
from ceasefire.warning.horizon import HORIZON_DAYS, fit_window
from ceasefire.warning.metrics import BoolArray
from ceasefire.warning.pmf import FloatArray, mix
from ceasefire.warning.series import DayAxis, Series

DEFAULT_TARGETS = (
    "alerts/oblast",
    "attacks/oblast",
    "fires/oblast",
    "conflict/oblast",
    "fires/cell",
)
MODELS = (MODEL_NAME, *baselines.BASELINES)


@dataclass
class TargetResult:
    """Scores of one target series over its held-out days."""

    key: str
    n_areas: int
    fit_days: tuple[str, str]
    holdout_days: tuple[str, str]
    fit_seconds: float
    backtest_seconds: float
    crps: dict[str, float]
    ignorance: dict[str, float]
    brier_skill: float
    auc_pr: dict[str, float]
    base_rate: float
    tuned: metrics.OperatingPoint
    at_budget: metrics.OperatingPoint
    median_lead_hours: float
    spread_weight: dict[str, float]
    crps_weight: dict[str, float]
    coefficients: dict[str, float]
    alpha: float
    blend: tuple[float, float]
    # for plots: the national actual, model mean and 5-95 % band, the warning scores
    national: dict[str, FloatArray] = field(default_factory=dict)
    p_event: FloatArray = field(default_factory=lambda: np.zeros(0))
    p_climatology: FloatArray = field(default_factory=lambda: np.zeros(0))
    event: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    window: WindowResult | None = None  # the multi-day warnings, when a horizon is asked for

    def skill(self, score: dict[str, float]) -> float:
        """1 - model / best baseline under ``score`` (best chosen under that same score)."""
        best = min(score[b] for b in baselines.BASELINES)
        return 1.0 - score[MODEL_NAME] / best if best > 0 else float("nan")


def backtest_target(
    series: dict[str, Series],
    key: str,
    axis: DayAxis,
    holdout_days: int,
    on_day: Callable[[], None] | None = None,
    horizon: int = HORIZON_DAYS,
) -> TargetResult:
    """Fit on the fitting period of ``key`` and score every held-out day (and, when
    ``horizon`` > 0, the warnings for the ``horizon`` days from each held-out origin)."""
    target = series[key]
    split: Split = split_for(series, key, holdout_days)
    inputs = inputs_for(series, key)
    started = time.perf_counter()
    forecaster = fit(inputs, split, target.signal.cap)
    tuning = tune(inputs, split, forecaster)
    window = fit_window(inputs, split, forecaster, horizon) if horizon > 0 else None
    fit_seconds = time.perf_counter() - started
    k_max = forecaster.k_max
    n_areas = len(target.areas)
    crps: dict[str, list[FloatArray]] = {m: [] for m in MODELS}
    ign: dict[str, list[FloatArray]] = {m: [] for m in MODELS}
    p_model: list[FloatArray] = []
    p_clim: list[FloatArray] = []
    events: list[BoolArray] = []
    leads: list[FloatArray] = []
    national: dict[str, list[float]] = {"actual": [], "mean": [], "q05": [], "q95": []}
    scorer = WindowScorer(window, target, axis, split.end) if window is not None else None
    started = time.perf_counter()
    for t in range(split.holdout_from, split.end):
        history = inputs.until(t)  # everything the forecaster may see: days before t
        y = target.values[:, t]
        forecast = forecaster.predict(history)
        crps[MODEL_NAME].append(metrics.crps(forecast.pmf, y))
        ign[MODEL_NAME].append(metrics.ignorance(forecast.pmf, y))
        spread = baselines.spread(history.values, k_max)
        raw: dict[str, FloatArray] = {}
        for name, baseline in baselines.BASELINES.items():
            # each baseline at its best under each score: mixed with the spread at the
            # weight chosen on the fitting period for that score
            raw[name] = baseline(history.values, k_max)
            for_crps = mix(raw[name], spread, tuning.crps_weight[name])
            crps[name].append(metrics.crps(for_crps, y))
            ign[name].append(
                metrics.ignorance(mix(raw[name], spread, tuning.spread_weight[name]), y)
            )
        setup = event_setup(history.values, np.array([t]))
        threshold = setup.threshold[:, 0]
        p = metrics.exceedance(forecast.pmf, threshold)
        p_model.append(p)
        p_clim.append(metrics.exceedance(raw["climatology"], threshold))
        if scorer is not None:
            scorer.add(t, history, forecast.features, raw["climatology"])
        happened_now = happened(y[:, None], setup)[:, 0]
        events.append(happened_now)
        hit = happened_now & (p >= tuning.warn_threshold)
        onset = target.onset_us[hit, t]
        onset = onset[onset != NO_TIME]
        leads.append((onset - int(axis.start_us(t))) / 3.6e9)
        national["actual"].append(float(y.sum()))
        national["mean"].append(float(forecast.mean.sum()))
        # the band of the national total under independent areas, by moment matching
        var = forecast.mean + forecaster.model.alphas(forecast.features) * forecast.mean**2
        sd = float(np.sqrt(var.sum()))
        national["q05"].append(max(float(forecast.mean.sum()) - 1.645 * sd, 0.0))
        national["q95"].append(float(forecast.mean.sum()) + 1.645 * sd)
        if on_day is not None:
            on_day()
    backtest_seconds = time.perf_counter() - started
    p_event, p_reference = np.concatenate(p_model), np.concatenate(p_clim)
    event = np.concatenate(events).astype(bool)
    n_days = split.end - split.holdout_from
    budget = int(FALSE_ALARMS_PER_AREA_PER_30_DAYS * n_areas * n_days / 30)
    budget_threshold = metrics.threshold_for_budget(p_event, event, budget)
    lead = np.concatenate(leads)
    return TargetResult(
        key=key,
        n_areas=n_areas,
        fit_days=(str(axis.day(split.fit_from)), str(axis.day(split.holdout_from - 1))),
        holdout_days=(str(axis.day(split.holdout_from)), str(axis.day(split.end - 1))),
        fit_seconds=fit_seconds,
        backtest_seconds=backtest_seconds,
        crps={m: float(np.mean(np.concatenate(v))) for m, v in crps.items()},
        ignorance={m: float(np.mean(np.concatenate(v))) for m, v in ign.items()},
        brier_skill=metrics.brier_skill(p_event, p_reference, event),
        auc_pr={
            MODEL_NAME: metrics.average_precision(p_event, event),
            "climatology": metrics.average_precision(p_reference, event),
        },
        base_rate=float(event.mean()),
        tuned=metrics.operating_point(p_event, event, tuning.warn_threshold),
        at_budget=metrics.operating_point(p_event, event, budget_threshold),
        median_lead_hours=float(np.median(lead)) if len(lead) else float("nan"),
        spread_weight=tuning.spread_weight,
        crps_weight=tuning.crps_weight,
        coefficients=dict(zip(forecaster.model.names, forecaster.model.coef.tolist(), strict=True)),
        alpha=forecaster.model.alpha,
        blend=forecaster.blend,
        national={k: np.array(v) for k, v in national.items()},
        p_event=p_event,
        p_climatology=p_reference,
        event=event,
        window=scorer.result() if scorer is not None else None,
    )


def run_backtest(
    series: dict[str, Series],
    axis: DayAxis,
    targets: tuple[str, ...] = DEFAULT_TARGETS,
    holdout_days: int = DEFAULT_HOLDOUT_DAYS,
    on_target: Callable[[str, int], Callable[[], None]] | None = None,
    horizon: int = HORIZON_DAYS,
) -> list[TargetResult]:
    """Backtest every target; ``on_target(key, days)`` returns a per-day progress callback."""
    unknown = [t for t in targets if t not in series]
    if unknown:
        known = ", ".join(sorted(series))
        raise CeasefireError(f"unknown series {', '.join(unknown)}; known: {known}")
    results = []
    for key in targets:
        on_day = on_target(key, holdout_days) if on_target is not None else None
        results.append(backtest_target(series, key, axis, holdout_days, on_day, horizon))
    return results


def summary(results: list[TargetResult]) -> list[dict[str, object]]:
    """JSON-ready scores of each target (everything but the arrays kept for plots)."""
    out: list[dict[str, object]] = []
    for r in results:
        out.append(
            {
                "series": r.key,
                "areas": r.n_areas,
                "fit_days": list(r.fit_days),
                "holdout_days": list(r.holdout_days),
                "fit_seconds": round(r.fit_seconds, 2),
                "backtest_seconds": round(r.backtest_seconds, 2),
                "crps": r.crps,
                "ignorance_bits": r.ignorance,
                "crps_skill_vs_best_baseline": r.skill(r.crps),
                "ignorance_skill_vs_best_baseline": r.skill(r.ignorance),
                "brier_skill_vs_climatology": r.brier_skill,
                "auc_pr": r.auc_pr,
                "event_base_rate": r.base_rate,
                "warnings_at_fitted_threshold": asdict(r.tuned),
                "warnings_at_holdout_budget": asdict(r.at_budget),
                "median_lead_hours": r.median_lead_hours,
                "baseline_spread_weight_for_ignorance": r.spread_weight,
                "baseline_spread_weight_for_crps": r.crps_weight,
                "blend_climatology_persistence": list(r.blend),
                "nb_alpha": r.alpha,
                "coefficients": r.coefficients,
                "window_warnings": r.window.summary() if r.window is not None else None,
            }
        )
    return out


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


def results_markdown(results: list[TargetResult]) -> str:
    """The two result tables (counts, warnings) as Markdown, for docs/early-warning.md."""
    lines = [
        "| series | hold-out | " + " | ".join(MODELS) + " | CRPS skill | ignorance skill |",
        "|---|---|" + "---:|" * (len(MODELS) + 2),
    ]
    for r in results:
        cells = [f"{_fmt(r.crps[m])} / {_fmt(r.ignorance[m])}" for m in MODELS]
        lines.append(
            f"| {r.key} | {r.holdout_days[0]} to {r.holdout_days[1]} | "
            + " | ".join(cells)
            + f" | {100 * r.skill(r.crps):+.1f} % | {100 * r.skill(r.ignorance):+.1f} % |"
        )
    lines += [
        "",
        "| series | events | base rate | BSS vs climatology | AUC-PR (climatology) "
        "| recall / precision, threshold from fitting | recall / precision, ≤1 false alarm "
        "per area per 30 days | median lead (h) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.key} | {r.tuned.events} | {_fmt(r.base_rate)} | {_fmt(r.brier_skill)} | "
            f"{_fmt(r.auc_pr[MODEL_NAME])} ({_fmt(r.auc_pr['climatology'])}) | "
            f"{_fmt(r.tuned.recall, 2)} / {_fmt(r.tuned.precision, 2)} | "
            f"{_fmt(r.at_budget.recall, 2)} / {_fmt(r.at_budget.precision, 2)} | "
            f"{_fmt(r.median_lead_hours, 1)} |"
        )
    windows = [r for r in results if r.window is not None]
    if windows:
        lines += ["", *window_markdown(windows)]
    return "\n".join(lines) + "\n"


def window_markdown(results: list[TargetResult]) -> list[str]:
    """The multi-day warnings table: one row per series."""
    lines = [
        "| series | origins | base rate | BSS vs best reference | AUC-PR: model (climatology, "
        "recent runs) | recall / precision, ≤1 false alarm per area per 30 days (fitting) "
        "| recall / precision, precision 0.5 on fitting | median lead (h) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        w = r.window
        if w is None:
            continue
        ap = w.auc_pr
        lines.append(
            f"| {r.key} ({w.horizon} d) | {w.origins} | {_fmt(w.base_rate)} | "
            f"{_fmt(w.brier_skill)} | {_fmt(ap[w.model])} ({_fmt(ap['climatology'])}, "
            f"{_fmt(ap['recent runs'])}) | "
            f"{_fmt(w.at_fitted_budget.recall, 2)} / {_fmt(w.at_fitted_budget.precision, 2)} | "
            f"{_fmt(w.at_fitted_precision.recall, 2)} / "
            f"{_fmt(w.at_fitted_precision.precision, 2)} | {_fmt(w.median_lead_hours, 1)} |"
        )
    return lines
