"""Scoring the multi-day warnings (``horizon``) on the held-out origins.

At each held-out origin t whose whole window lies in the hold-out, the window model gives
each area the probability of its event on any of days ``t .. t+horizon-1``. Two references
from the same days before t:

- **climatology**: the window total as the sum of ``horizon`` independent draws from the
  last 28 days (the day baseline's bootstrap);
- **recent runs**: the share of the ``horizon``-day runs of the last quarter (those that
  ended before t) whose total reached the threshold: how often such a week came lately.

Lead time of a hit is from issue (00:00 UTC of t) to the onset of the first day in the
window on which the event happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ceasefire.observations.model import NO_TIME
from ceasefire.warning import metrics
from ceasefire.warning.events import window_outcome
from ceasefire.warning.features import ModelInputs
from ceasefire.warning.holdout import FALSE_ALARMS_PER_AREA_PER_30_DAYS
from ceasefire.warning.horizon import WindowForecaster, recent_run_rate, total_exceedance
from ceasefire.warning.metrics import BoolArray
from ceasefire.warning.pmf import FloatArray
from ceasefire.warning.series import DayAxis, Series

RECENT_ORIGINS = 28
REFERENCES = ("climatology", "recent runs")


@dataclass
class WindowResult:
    """Scores of the multi-day warnings of one series over its held-out origins."""

    horizon: int
    model: str
    origins: int
    base_rate: float
    brier: dict[str, float]
    brier_skill: float  # against the better reference
    auc_pr: dict[str, float]
    at_fitted_budget: metrics.OperatingPoint
    at_fitted_precision: metrics.OperatingPoint
    at_holdout_budget: metrics.OperatingPoint
    median_lead_hours: float
    p_event: FloatArray = field(default_factory=lambda: np.zeros(0))
    p_references: dict[str, FloatArray] = field(default_factory=dict)
    event: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def summary(self) -> dict[str, object]:
        """JSON-ready scores (no arrays)."""
        return {
            "horizon_days": self.horizon,
            "model": self.model,
            "origins": self.origins,
            "event_base_rate": self.base_rate,
            "brier": self.brier,
            "brier_skill_vs_best_reference": self.brier_skill,
            "auc_pr": self.auc_pr,
            "warnings_at_fitted_budget": asdict(self.at_fitted_budget),
            "warnings_at_fitted_precision_0_5": asdict(self.at_fitted_precision),
            "warnings_at_holdout_budget": asdict(self.at_holdout_budget),
            "median_lead_hours": self.median_lead_hours,
        }


class WindowScorer:
    """Collects the window forecasts of a backtest day by day, then scores them."""

    def __init__(self, window: WindowForecaster, target: Series, axis: DayAxis, end: int):
        self.window = window
        self.target = target
        self.axis = axis
        self.end = end
        self.p: list[FloatArray] = []
        self.references: dict[str, list[FloatArray]] = {name: [] for name in REFERENCES}
        self.events: list[BoolArray] = []
        self.leads: list[FloatArray] = []

    def add(
        self, t: int, history: ModelInputs, features: FloatArray, climatology_pmf: FloatArray
    ) -> None:
        """Score origin ``t`` (inputs cut before it) if its whole window is in the data."""
        horizon = self.window.horizon
        if t + horizon > self.end:
            return
        p, setup = self.window.from_features(features, history.values)
        threshold = setup.threshold[:, 0]
        hit, first = window_outcome(self.target.values, np.array([t]), horizon, setup)
        hit_now, first_now = hit[:, 0], first[:, 0]
        self.p.append(p)
        self.references["climatology"].append(total_exceedance(climatology_pmf, horizon, threshold))
        self.references["recent runs"].append(recent_run_rate(history.values, horizon, threshold))
        self.events.append(hit_now)
        warned = hit_now & (p >= self.window.warn_threshold)
        rows = np.flatnonzero(warned)
        onset = self.target.onset_us[rows, first_now[rows]]
        onset = onset[onset != NO_TIME]
        self.leads.append((onset - int(self.axis.start_us(t))) / 3.6e9)

    def result(self) -> WindowResult:
        p = np.concatenate(self.p) if self.p else np.zeros(0)
        event = np.concatenate(self.events).astype(bool) if self.events else np.zeros(0, bool)
        refs = {k: np.concatenate(v) if v else np.zeros(0) for k, v in self.references.items()}
        brier = {self.window.name: metrics.brier(p, event)}
        brier |= {k: metrics.brier(v, event) for k, v in refs.items()}
        best = min(refs, key=lambda k: brier[k])
        n_areas = len(self.target.areas)
        budget = int(FALSE_ALARMS_PER_AREA_PER_30_DAYS * len(self.p) * n_areas / 30)
        lead = np.concatenate(self.leads) if self.leads else np.zeros(0)
        return WindowResult(
            horizon=self.window.horizon,
            model=self.window.name,
            origins=len(self.p),
            base_rate=float(event.mean()) if len(event) else float("nan"),
            brier=brier,
            brier_skill=metrics.brier_skill(p, refs[best], event),
            auc_pr={self.window.name: metrics.average_precision(p, event)}
            | {k: metrics.average_precision(v, event) for k, v in refs.items()},
            at_fitted_budget=metrics.operating_point(p, event, self.window.warn_threshold),
            at_fitted_precision=metrics.operating_point(p, event, self.window.precise_threshold),
            at_holdout_budget=metrics.operating_point(
                p, event, metrics.threshold_for_budget(p, event, budget)
            ),
            median_lead_hours=float(np.median(lead)) if len(lead) else float("nan"),
            p_event=p,
            p_references=refs,
            event=event,
        )
