"""Attack reports: Kyiv time to UTC across DST, bundled models, areas, end before start."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceasefire.observations.sources.attacks import AttackReportSource, target_areas

FIXTURES = Path(__file__).parent / "fixtures"


def test_fixture_rows() -> None:
    (chunk,) = AttackReportSource().read(FIXTURES / "attacks_small.csv")
    shahed, cruise, recon, dst = chunk.batch
    assert [(r.row, r.field) for r in chunk.rejections] == [(4, "time_end"), (5, "launched")]
    # winter: Kyiv is UTC+2
    assert shahed.observed_at == datetime(2024, 12, 31, 18, 30, tzinfo=UTC)
    assert shahed.observed_until == datetime(2025, 1, 1, 7, 30, tzinfo=UTC)
    assert shahed.area == "UA" and shahed.weapon_class == "attack_drone"
    # summer: Kyiv is UTC+3; two models of one class, two oblasts
    assert cruise.observed_at == datetime(2023, 7, 6, 9, 0, tzinfo=UTC)
    assert cruise.attributes["models"] == ["X-101/X-555", "Kalibr"]
    assert cruise.weapon_class == "cruise_missile"
    assert cruise.area == "UA" and cruise.attributes["target_areas"] == ["UA-32", "UA-46"]
    # a date alone: the whole Kyiv day
    assert recon.observed_at == datetime(2022, 9, 27, 21, 0, tzinfo=UTC)
    assert recon.observed_until == datetime(2022, 9, 28, 21, 0, tzinfo=UTC)
    assert recon.area == "UA-12/Kryvyi Rih Raion" and recon.attributes["time_precision"] == "day"
    # the night clocks went forward (2023-03-26 03:00 -> 04:00 in Kyiv)
    assert dst.observed_at == datetime(2023, 3, 26, 0, 30, tzinfo=UTC)  # 02:30 EET
    assert dst.observed_until == datetime(2023, 3, 26, 2, 0, tzinfo=UTC)  # 05:00 EEST
    assert dst.attributes["target_unresolved"] == ["south"]


def test_bundled_row_and_city_targets() -> None:
    (chunk,) = AttackReportSource().read(FIXTURES / "attacks_small.csv")
    assert "Kinzhal" in chunk.rejections[1].raw  # rejected for launched="many", still whole
    assert target_areas("Kyiv and Starokostiantyniv") == (["UA-30", "UA-68"], [])


@pytest.mark.shared_data
def test_real_file(shared_data: Path) -> None:
    chunks = list(
        AttackReportSource().read(shared_data / "missile-attacks/missile_attacks_daily.csv")
    )
    reports = [o for c in chunks for o in c.batch]
    assert len(reports) == 1980 and not any(
        c.rejections for c in chunks
    )  # this cut has no end < start
    assert len({o.source_id for o in reports}) == 1980
    newest = reports[0]  # 2024-12-31 20:30 -> 2025-01-01 09:30 Kyiv (winter)
    assert newest.observed_at == datetime(2024, 12, 31, 18, 30, tzinfo=UTC)
    assert newest.observed_until == datetime(2025, 1, 1, 7, 30, tzinfo=UTC)
    odd = [o for o in reports if o.attributes["time_start_kyiv"] == "2023-05-16 3:30"]
    assert len(odd) == 6  # "3:30", one-digit hour, summer time
    assert {o.observed_at for o in odd} == {datetime(2023, 5, 16, 0, 30, tzinfo=UTC)}
    classes = {o.weapon_class for o in reports}
    assert {"attack_drone", "cruise_missile", "ballistic_missile", None} <= classes
    bundled = [o for o in reports if len(o.attributes["models"]) > 1]
    assert bundled and all(
        o.attributes["model"].count(" and ") + 1 == len(o.attributes["models"]) for o in bundled
    )
