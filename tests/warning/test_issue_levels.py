"""``issue_day`` at the national, oblast and 25 km cell levels, on the shipped samples
(FIRMS, air-raid alerts, UCDP of December 2022 and January 2023) under the example
agreement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.demo import SAMPLES, sample_path
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.settings import Settings
from ceasefire.timeutil import from_epoch_us
from ceasefire.warning.areas import AreaIndex
from ceasefire.warning.features import feature_table
from ceasefire.warning.forecast import inputs_for
from ceasefire.warning.inputs import records_from_store
from ceasefire.warning.issue import IssueResult, _active_cells, issue_day, levels_of
from ceasefire.warning.series import DayAxis, build_series
from ceasefire.workspace import Workspace

DAYS = (date(2023, 1, 3), date(2023, 1, 20))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = Workspace.init(tmp_path_factory.mktemp("levels"))
    ws.load_agreement(example_agreement_dir())
    for source, name in SAMPLES:
        ingest_file(ws.store, get_source(source), sample_path(name))
    with ws:
        yield ws


@pytest.fixture(scope="module")
def issued(workspace: Workspace) -> list[IssueResult]:
    settings = Settings(workspace=workspace.root, warning_levels="national,oblast,cell")
    return [issue_day(workspace, day, settings) for day in DAYS]


def test_every_level_is_forecast(issued: list[IssueResult]) -> None:
    forecast = set(issued[-1].forecast)
    for key in ("fires/national", "fires/oblast", "fires/cell", "alerts/oblast"):
        assert f"nbglm-1: {key}" in forecast
    levels = {w.area_id.split(":")[0] for r in issued for w in r.warnings}
    assert "cell25km" in levels, "fire cells escalate in the samples: expect a cell warning"


def test_cell_warnings_sit_at_their_cell_centre_with_a_name_saying_where(
    workspace: Workspace, issued: list[IssueResult]
) -> None:
    _, agreement = workspace.active_agreement()
    index = AreaIndex(agreement)
    oblasts = {a.name for a in agreement.geography.admin_areas}
    cells = [w for r in issued for w in r.warnings if w.area_id.startswith("cell25km:")]
    assert cells
    for w in cells:
        i = index.cells.ids.index(w.area_id)
        assert (w.lon, w.lat) == pytest.approx(index.cell_centre_lonlat(i))
        assert w.lon is not None and w.lat is not None
        x, y = index.project(np.array([w.lon]), np.array([w.lat]))
        assert index.locate_cells(x, y).tolist() == [i], "the point lies in its own cell"
        assert w.area_name.startswith(f"25 km cell at {w.lat:.2f} N {w.lon:.2f} E")
        assert any(name in w.area_name for name in oblasts)


def test_only_active_cells_are_forecast_with_neighbour_features_unchanged(
    workspace: Workspace,
) -> None:
    _, agreement = workspace.active_agreement()
    index = AreaIndex(agreement)
    axis = DayAxis(date(2022, 11, 20), 60)
    full = build_series(
        records_from_store(workspace.store, from_epoch_us(axis.start_us(axis.n).item())),
        index,
        axis,
    )
    cut = _active_cells(full)
    whole, active = full["fires/cell"], cut["fires/cell"]
    assert 0 < len(active.areas) < len(whole.areas) / 5
    assert (active.values.sum(axis=1) > 0).all()
    rows = [whole.areas.index(a) for a in active.areas]
    a_features = feature_table(inputs_for(cut, "fires/cell"))
    w_features = feature_table(inputs_for(full, "fires/cell"))[rows]
    for j in (8, 9):  # neighbours_lag1, neighbours_mean7: same with the quiet cells cut
        assert np.allclose(a_features[:, :, j], w_features[:, :, j])
    assert cut["fires/oblast"] is full["fires/oblast"]


def test_the_levels_setting(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CEASEFIRE_WARNING_LEVELS", "cell, oblast")
    settings = Settings(workspace=workspace.root)
    assert levels_of(settings) == ("oblast", "cell")
    only_oblasts = issue_day(
        workspace, DAYS[-1], Settings(workspace=workspace.root, warning_levels="oblast")
    )
    assert only_oblasts.forecast
    assert all(key.endswith("/oblast") for key in only_oblasts.forecast)
    assert all(w.area_id.startswith("UA-") for w in only_oblasts.warnings)
    monkeypatch.setenv("CEASEFIRE_WARNING_LEVELS", "oblast,district")
    with pytest.raises(ValueError, match="warning_levels"):
        Settings()


def test_national_level_names_the_whole_country(
    workspace: Workspace, issued: list[IssueResult]
) -> None:
    from ceasefire.warning.issue import _national_place

    _, agreement = workspace.active_agreement()
    place = _national_place(agreement)
    assert place.name == "whole country"
    assert place.lon is not None and 22 < place.lon < 41
    assert place.lat is not None and 44 < place.lat < 53
    for w in (w for r in issued for w in r.warnings if w.area_id == "UA"):
        assert (w.area_name, w.lon, w.lat) == (place.name, place.lon, place.lat)
