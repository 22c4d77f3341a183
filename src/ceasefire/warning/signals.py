"""The signals a warning can rest on, and which observations feed each.

A signal is one daily series per area built from one kind of observation:

- ``fires``: NASA FIRMS thermal detections (count per day); located by point, so also per
  25 km cell. Many are agricultural or wildfires, not war: the model learns the season
  from earlier years (``seasonal_prior``), as The Economist's war-fire model does.
- ``alerts``: official air-raid alerts, as *alert hours*: how many of the day's 24 UTC clock
  hours had an alert in force somewhere in the oblast (any level), 0 to 24. Alerts are the
  authorities' declaration that an air attack threatens the oblast: the densest per-oblast
  record of air attack in the data. Luhansk, Sevastopol and Crimea are left out: their
  permanent alerts (since 2022-04-04 and 2022-12-10) are not in the files, so their series
  would read as quiet when they were not.
- ``attacks``: Ukraine's Air Force missile and drone attack reports (records per day),
  counted for every oblast a record names, and nationally for all records (most name no
  oblast).
- ``conflict``: conflict events (UCDP GED, ACLED) per day; located by point when the point
  is precise to a cell, by the stated oblast otherwise.

``covariates`` names the other signals whose yesterday's values enter a signal's model. A
covariate must be recorded over the whole period the target is forecast, or the model would
read its silence as calm: alerts end in September 2023 and fires in December 2023, so the
attack model (to December 2024) uses none. Fitting starts when the target and all its
covariates are recorded, so a covariate that starts late shortens the fit: attack reports
begin only in September 2022, which is why neither the fire model (it needs the pre-war and
2022 burning seasons) nor the alert model (from March 2022) reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Measure(StrEnum):
    COUNT = "count"  # records per day
    HOURS = "hours"  # clock hours of the day with the phenomenon in force (0-24)


@dataclass(frozen=True, slots=True)
class Signal:
    """One daily series family and the observations that feed it."""

    name: str
    label: str
    sources: tuple[str, ...]
    kinds: tuple[str, ...]  # observation kinds taken; empty means every kind of the sources
    measure: Measure
    unit: str
    cells: bool  # located by point: a series per 25 km cell too
    covariates: tuple[str, ...] = ()
    seasonal_prior: bool = False
    unrecorded: Mapping[str, str] = field(default_factory=dict)  # area -> why it is left out

    @property
    def cap(self) -> int | None:
        """The largest value a day can take, if bounded."""
        return 24 if self.measure is Measure.HOURS else None


SIGNALS: tuple[Signal, ...] = (
    Signal(
        name="fires",
        label="FIRMS thermal detections",
        sources=("firms",),
        kinds=("thermal_anomaly",),
        measure=Measure.COUNT,
        unit="detections",
        cells=True,
        seasonal_prior=True,
    ),
    Signal(
        name="alerts",
        label="air-raid alert hours",
        sources=("alerts",),
        kinds=("air_raid_alert",),
        measure=Measure.HOURS,
        unit="alert hours",
        cells=False,
        covariates=("fires",),
        unrecorded={
            "UA-09": "permanent alert since 2022-04-04, not in the alert files",
            "UA-40": "permanent alert (Crimea) since 2022-12-10, not in the alert files",
            "UA-43": "permanent alert since 2022-12-10, not in the alert files",
        },
    ),
    Signal(
        name="attacks",
        label="missile and drone attack reports",
        sources=("attacks",),
        kinds=("aerial_attack_report",),
        measure=Measure.COUNT,
        unit="attack records",
        cells=False,
    ),
    Signal(
        name="conflict",
        label="conflict events (UCDP, ACLED)",
        sources=("ucdp", "acled"),
        kinds=(),
        measure=Measure.COUNT,
        unit="events",
        cells=True,
        covariates=("alerts", "fires"),
    ),
)

SIGNAL_NAMES: tuple[str, ...] = tuple(s.name for s in SIGNALS)


def signal(name: str) -> Signal:
    """The signal called ``name``."""
    for s in SIGNALS:
        if s.name == name:
            return s
    raise KeyError(name)


def signal_of(source: str, kind: str) -> str | None:
    """The signal an observation of ``source`` and ``kind`` feeds, or None.

    >>> signal_of("firms", "thermal_anomaly"), signal_of("ucdp", "armed_clash")
    ('fires', 'conflict')
    >>> signal_of("field", "shelling") is None
    True
    """
    for s in SIGNALS:
        if source in s.sources and (not s.kinds or kind in s.kinds):
            return s.name
    return None
