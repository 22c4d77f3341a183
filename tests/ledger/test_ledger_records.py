"""The fast leaf encoder gives exactly the bytes of ``canonicalize`` on the reference record."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

from ceasefire.ledger.canonical import canonicalize
from ceasefire.ledger.errors import CanonicalizationError
from ceasefire.ledger.records import (
    NO_TIME,
    ObservationColumns,
    observation_leaf_data,
    observation_leaf_hashes,
)
from ceasefire.ledger.records import leaf_of as reference_leaf
from ceasefire.observations.sources.registry import get_source

T = TypeVar("T")

ADVERSARIAL_STRINGS = [
    "plain",
    'quote " and backslash \\ and slash /',
    "controls \x00\x01\x08\t\n\x0b\x0c\r\x1f and DEL \x7f",
    "Україна, Донецьк — «кавички» 🚀 \u2028\u2029",
    "",
    '","',
    '\\","\\',
    "e\u0301 combining, ﬁ ligature, \ufeff BOM",
]
ADVERSARIAL_FLOATS = [
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    1e-7,
    1e-6,
    9.999999999999999e-7,
    0.1,
    1 / 3,
    100.0,
    1e9 - 0.5,
    1e9,
    123456789012.345,
    9007199254740993.0,
    1e16,
    1e21,
    1.7976931348623157e308,
    -37.5,
    float("nan"),
]


def columns(n: int, rng: np.random.Generator) -> ObservationColumns:
    def pick(values: list[T], k: int) -> list[T]:
        return [values[i] for i in rng.integers(0, len(values), k).tolist()]

    floats = np.array(ADVERSARIAL_FLOATS)
    until = rng.integers(-(2**53) + 1, 2**53 - 1, n)
    until[rng.random(n) < 0.5] = NO_TIME
    return ObservationColumns(
        uid=[f"src:{s}{i}" for i, s in enumerate(pick(ADVERSARIAL_STRINGS, n))],
        observed_at_us=rng.integers(-(2**53) + 1, 2**53 - 1, n),
        observed_until_us=until,
        kind=pick(["shelling", "thermal_anomaly", 'odd "kind"'], n),
        lon=np.concatenate([floats, rng.uniform(-180, 180, n)])[:n],
        lat=rng.choice(floats, n),
        uncertainty_m=np.concatenate([rng.uniform(0, 1e12, n // 2), rng.choice(floats, n)])[:n],
        area=pick([None, "UA-14", "UA-63/Харків", 'a"b'], n),
        weapon_class=pick([None, "artillery"], n),
        attributes_json=pick(['{"a":1}', "{}", '{"ключ":"значення\\n"}'], n),
        raw=pick(ADVERSARIAL_STRINGS, n),
        file_sha256=["ab" * 32] * n,
        file_row=rng.integers(0, 2**40, n),
    )


def test_adversarial_rows_match_the_reference_byte_for_byte() -> None:
    rng = np.random.default_rng(7)
    cols = columns(3000, rng)
    fast = observation_leaf_data(cols)
    assert fast == [canonicalize(cols.record(i)) for i in range(len(cols))]
    assert observation_leaf_hashes(cols) == [reference_leaf(cols.record(i))[1] for i in range(3000)]


def test_random_doubles_of_every_magnitude_match_the_reference() -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    bits = rng.integers(0, 2**63, n, dtype=np.uint64).view(np.float64)
    scaled = rng.random(n) * 10.0 ** rng.integers(-10, 25, n) * rng.choice([-1, 1], n)
    values = np.concatenate([bits[np.isfinite(bits)], scaled])
    m = len(values)
    cols = ObservationColumns(
        uid=[f"s:{i}" for i in range(m)],
        observed_at_us=np.zeros(m, np.int64),
        observed_until_us=np.full(m, NO_TIME),
        kind=["k"] * m,
        lon=values,
        lat=values[::-1].copy(),
        uncertainty_m=np.full(m, np.nan),
        area=[None] * m,
        weapon_class=[None] * m,
        attributes_json=["{}"] * m,
        raw=["r"] * m,
        file_sha256=["f"] * m,
        file_row=np.zeros(m, np.int64),
    )
    assert observation_leaf_data(cols) == [canonicalize(cols.record(i)) for i in range(m)]


@pytest.mark.shared_data
def test_real_firms_rows_match_the_reference(shared_data: Path) -> None:
    path = shared_data / "firms-fires" / "ukr_fire_data_2023.csv"
    chunk = next(iter(get_source("firms").read(path, chunk_rows=5000)))
    batch = chunk.batch
    n = len(batch)
    cols = ObservationColumns(
        uid=[f"{batch.source}:{s}" for s in batch.source_id],
        observed_at_us=batch.observed_at_us,
        observed_until_us=batch.observed_until_us,
        kind=batch.kind,
        lon=batch.lon,
        lat=batch.lat,
        uncertainty_m=batch.uncertainty_m,
        area=batch.area,
        weapon_class=batch.weapon_class,
        attributes_json=batch.attributes_json,
        raw=batch.raw,
        file_sha256=[batch.file_sha256] * n,
        file_row=batch.row,
    )
    assert n == 5000
    assert observation_leaf_data(cols) == [canonicalize(cols.record(i)) for i in range(n)]


def test_values_without_a_canonical_form_are_refused() -> None:
    rng = np.random.default_rng(3)
    for change in ("infinite lon", "unsafe time", "lone surrogate"):
        cols = columns(50, rng)
        if change == "infinite lon":
            cols.lon[0] = np.inf
        elif change == "unsafe time":
            cols.observed_at_us[0] = 2**53
        else:
            cols.raw[0] = "lone \ud800 surrogate"
        with pytest.raises(CanonicalizationError):
            observation_leaf_hashes(cols)
        with pytest.raises(CanonicalizationError):
            canonicalize(cols.record(0))
