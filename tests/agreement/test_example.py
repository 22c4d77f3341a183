"""The shipped example agreement: loads fast, rebuilds exactly, summarises and maps."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from pydantic import BaseModel

from ceasefire.agreement import spec
from ceasefire.agreement.loader import example_agreement_dir, load_agreement
from ceasefire.agreement.mapping import render_zone_map
from ceasefire.agreement.model import ZoneShape
from ceasefire.agreement.summary import summarise

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
EXAMPLE = example_agreement_dir()


def test_example_loads_in_well_under_two_seconds() -> None:
    start = time.perf_counter()
    agreement = load_agreement(EXAMPLE)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"loading took {elapsed:.2f} s"
    assert agreement.id == "christmas-2023"
    assert agreement.effective.isoformat() == "2023-01-06T09:00:00+00:00"
    assert agreement.guarantors == ("US", "GB", "FR", "DE")
    assert {a.code for a in agreement.geography.admin_areas} >= {
        "UA-30",
        "UA-40",
        "UA-05",
        "UA-14",
        "UA-63",
    }
    assert len(agreement.geography.admin_areas) == 27
    assert agreement.zone("free-zone").illustrative
    assert agreement.zone("znpp").center_lonlat == (34.5863, 47.5119)
    assert [(c.party, c.metric, c.max) for c in agreement.caps] == [
        ("UA", "active_personnel", 800_000)
    ]


def test_example_is_small_and_attributed() -> None:
    size = sum(p.stat().st_size for p in EXAMPLE.rglob("*") if p.is_file())
    assert size < 1_500_000
    attribution = (EXAMPLE / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for needle in (
        "DeepState",
        "ODbL",
        "CC BY 4.0",
        "df633a1700680411949934a4345f1af263327377",
        "5b52b6d10e29d9eead55ab1d0912bfb63e82e722",
        "471cbc5c1686bd59e833613ee79b3b83c198d381",
    ):
        assert needle in attribution


def test_summary_of_the_example() -> None:
    summary = summarise(load_agreement(EXAMPLE))
    rows = {row.id: row for row in summary.zones}
    assert rows["artillery"].width_km == 50 and rows["artillery"].shape is ZoneShape.BAND
    assert rows["znpp"].width_km == 60
    assert rows["free-zone"].deadline is not None and rows["free-zone"].illustrative
    # wider bands cover more ground
    assert rows["tanks-mortars"].area_km2 < rows["artillery"].area_km2 < rows["heavy-mlrs"].area_km2
    assert 900 < summary.line_length_km < 1_300
    # Russia held about 18 % of Ukraine's 603,500 km2 at the end of 2022
    total = sum(summary.side_areas_km2.values())
    assert total == pytest.approx(603_500, rel=0.02)
    assert 0.15 < summary.side_areas_km2["RU"] / total < 0.20
    cells = rows["tanks-mortars"].as_strings()
    assert cells["prohibits"] == "artillery_lt_100mm, mortar_le_120mm, tank"


def test_render_zone_map(tmp_path: Path) -> None:
    agreement = load_agreement(EXAMPLE)
    out = render_zone_map(
        agreement,
        tmp_path / "map.png",
        lon=np.array([37.8, 35.1]),
        lat=np.array([48.0, 47.8]),
        categories=["shelling", "thermal"],
        colours={"shelling": "#d62728"},
        title="test",
        dpi=40,
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _build_script() -> ModuleType:
    path = REPO / "scripts" / "build_example_agreement.py"
    loaded = importlib.util.spec_from_file_location("build_example_agreement", path)
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return module


@pytest.mark.shared_data
@pytest.mark.skipif(
    not (SHARED_DATA / "deepstate-raw-weekly").is_dir(), reason="../shared/data is not present"
)
def test_build_script_regenerates_the_example_exactly(tmp_path: Path) -> None:
    written = _build_script().build(SHARED_DATA, tmp_path)
    assert written
    for path in written:
        relative = path.relative_to(tmp_path)
        assert path.read_bytes() == (EXAMPLE / relative).read_bytes(), relative
    shipped = {p.relative_to(EXAMPLE) for p in EXAMPLE.rglob("*") if p.is_file()}
    assert shipped == {p.relative_to(tmp_path) for p in written}


def _keys(model: type[BaseModel]) -> set[str]:
    keys = set(model.model_fields)
    for info in model.model_fields.values():
        for arg in (info.annotation, *getattr(info.annotation, "__args__", ())):
            for inner in (arg, *getattr(arg, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    keys |= _keys(inner)
    return keys


def test_every_key_is_documented() -> None:
    docs = (REPO / "docs" / "agreement.md").read_text(encoding="utf-8")
    missing = sorted(k for k in _keys(spec.AgreementSpec) - {"anywhere"} if f"`{k}`" not in docs)
    assert not missing, f"undocumented keys in docs/agreement.md: {missing}"
