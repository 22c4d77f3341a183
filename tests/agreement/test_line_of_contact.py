"""The line of contact: derived from the occupied area, never along the border or the coast."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box

from ceasefire import geo
from ceasefire.agreement.line_of_contact import band, derive_line, party_at_xy
from ceasefire.agreement.loader import example_agreement_dir, load_agreement
from ceasefire.agreement.model import Agreement

from .conftest import AgreementFactory

COUNTRY = box(0, 0, 100_000, 100_000)
OCCUPIED = box(50_000, -5_000, 150_000, 105_000)  # runs past the border, as DeepState's do


def test_line_excludes_border_and_keeps_the_front() -> None:
    result = derive_line(OCCUPIED, COUNTRY, border_tolerance_m=2_000, min_piece_m=5_000)
    assert result.line.length == pytest.approx(96_000)
    assert result.line.distance(shapely.Point(50_000, 50_000)) < 1e-6
    # nothing of the line runs along the border: all of it is >= 2 km inside
    assert result.line.difference(COUNTRY.boundary.buffer(1_999)).length == pytest.approx(
        result.line.length
    )
    assert result.controlled_side.area == pytest.approx(50_000 * 100_000)
    assert result.other_side.area == pytest.approx(50_000 * 100_000)


def test_short_pieces_are_dropped() -> None:
    # A 2 km wide notch poking 3 km in from the border: what is left of it is 4 km long.
    notch = box(20_000, 97_000, 22_000, 105_000)
    occupied = shapely.union(OCCUPIED, notch)
    result = derive_line(occupied, COUNTRY, border_tolerance_m=2_000, min_piece_m=5_000)
    assert result.dropped_pieces >= 1
    assert result.line.length == pytest.approx(96_000)


def test_occupied_area_only_on_the_border_gives_no_line() -> None:
    sliver = box(99_000, 0, 105_000, 100_000)  # within the tolerance of the border
    assert (
        derive_line(sliver, COUNTRY).line.length < 5_000
        or derive_line(sliver, COUNTRY).line.is_empty
    )


@settings(max_examples=60, deadline=None)
@given(
    d=st.floats(min_value=0.0, max_value=80_000.0),
    y=st.floats(min_value=20_000.0, max_value=80_000.0),
    width_km=st.sampled_from([15.0, 50.0, 70.0, 140.0]),
    east=st.booleans(),
)
def test_band_membership_is_distance_to_line(
    d: float, y: float, width_km: float, east: bool
) -> None:
    """A point at distance d from the line on side S is in the band iff d <= width / 2."""
    assume(abs(d - width_km * 500) > 1.0)
    line = LineString([(0, 0), (0, 100_000)])
    side = box(0, -200_000, 200_000, 300_000) if east else box(-200_000, -200_000, 0, 300_000)
    zone = band(line, width_km, side)
    x = d if east else -d
    assert shapely.intersects_xy(zone, x, y) == (d <= width_km * 500)


def test_one_sided_band_excludes_the_other_side() -> None:
    line = LineString([(0, 0), (0, 100_000)])
    east = box(0, -200_000, 200_000, 300_000)
    zone = band(line, 20, east)
    assert not shapely.intersects_xy(zone, -5_000, 50_000)
    assert shapely.intersects_xy(zone, 5_000, 50_000)


def test_party_at_xy_on_synthetic_agreement(make_agreement: AgreementFactory) -> None:
    agreement = load_agreement(make_agreement())
    x, y = geo.project_xy(
        np.array([32.3, 32.7, 29.0]), np.array([48.0, 48.0, 48.0]), agreement.geography.crs
    )
    assert party_at_xy(agreement.geography, x, y).tolist() == ["UA", "RU", ""]


# --- the shipped example: the real line of 26 December 2022 ---------------------------------


@pytest.fixture(scope="module")
def christmas() -> Agreement:
    return load_agreement(example_agreement_dir("christmas-2023"))


def test_line_length_is_plausible(christmas: Agreement) -> None:
    # The 2022-23 front was roughly 1,000-1,300 km by press counts; DeepState's generalised
    # polygon, cut 2 km short of the border at the north end, measures about 950 km.
    length_km = christmas.geography.line_m.length / 1000
    assert 900 < length_km < 1_300


def test_line_does_not_run_along_the_border_or_coast(christmas: Agreement) -> None:
    geography = christmas.geography
    near_outline = geography.country_m.boundary.buffer(3_000)
    assert (
        geography.line_m.intersection(near_outline).length < 5_000
    )  # only where it meets the border


def test_line_not_along_russian_border_north_of_kharkiv(christmas: Agreement) -> None:
    geography = christmas.geography
    kharkiv = next(a for a in geography.admin_areas if a.code == "UA-63")
    border = kharkiv.geometry_m.boundary.intersection(geography.country_m.boundary.buffer(50))
    assert border.length > 200_000  # Kharkiv oblast has a long border with Russia
    assert geography.line_m.intersection(border.buffer(5_000)).length < 5_000


def test_line_not_along_azov_coast(christmas: Agreement) -> None:
    coast_strip = geo.to_metric(box(35.0, 46.0, 38.3, 47.15), christmas.geography.crs)
    assert christmas.geography.line_m.intersection(coast_strip).is_empty


@pytest.mark.parametrize(
    ("place", "lon", "lat", "party"),
    [
        ("Donetsk", 37.80, 48.00, "RU"),
        ("Kramatorsk", 37.56, 48.72, "UA"),
        ("Melitopol", 35.37, 46.84, "RU"),
        ("Zaporizhzhia", 35.14, 47.84, "UA"),
        ("Kherson", 32.62, 46.64, "UA"),
        ("Nova Kakhovka", 33.36, 46.75, "RU"),
        ("Simferopol", 34.10, 44.95, "RU"),
        ("Lviv", 24.03, 49.84, "UA"),
        ("Belgorod (Russia)", 36.59, 50.60, ""),
    ],
)
def test_known_places_get_the_right_side(
    christmas: Agreement, place: str, lon: float, lat: float, party: str
) -> None:
    x, y = geo.project_xy(np.array([lon]), np.array([lat]), christmas.geography.crs)
    assert party_at_xy(christmas.geography, x, y).tolist() == [party], place


def test_points_10_km_either_side_of_the_line(christmas: Agreement) -> None:
    geography = christmas.geography
    main = max(shapely.get_parts(geography.line_m), key=lambda g: g.length)
    fractions = np.linspace(0.02, 0.98, 40)
    points = shapely.line_interpolate_point(main, fractions, normalized=True)
    ahead = shapely.line_interpolate_point(main, fractions + 0.001, normalized=True)
    px, py = shapely.get_x(points), shapely.get_y(points)
    dx, dy = shapely.get_x(ahead) - px, shapely.get_y(ahead) - py
    norm = np.hypot(dx, dy)
    nx, ny = -dy / norm * 10_000, dx / norm * 10_000
    left = party_at_xy(geography, px + nx, py + ny)
    right = party_at_xy(geography, px - nx, py - ny)
    # A 10 km step may leave the country (the Dnipro mouth, the north end at the border) or
    # cross a meander of the line again; nearly every pair must still straddle the line.
    straddles = [{a, b} == {"RU", "UA"} for a, b in zip(left.tolist(), right.tolist(), strict=True)]
    assert np.mean(straddles) >= 0.9, list(zip(left, right, strict=True))
