"""Shared test fixtures: where the real data of ../shared/data lives."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from ceasefire.agreement.model import Agreement
from ceasefire.observations.model import NO_TIME, ObservationBatch
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import to_epoch_us
from ceasefire.zones.testing import square_agreement as square_agreement_factory

_CANDIDATES = (
    os.environ.get("CEASEFIRE_SHARED_DATA", ""),
    str(Path(__file__).resolve().parents[2] / "shared" / "data"),
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data folder (``CEASEFIRE_SHARED_DATA`` or ../shared/data); skips when absent."""
    for candidate in _CANDIDATES:
        if candidate and Path(candidate, "README.md").is_file():
            return Path(candidate)
    pytest.skip("real data not found: set CEASEFIRE_SHARED_DATA or put it at ../shared/data")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """A fresh SQLite store in a temporary directory."""
    with SQLiteStore(tmp_path / "store.db") as opened:
        yield opened


BatchFactory = Callable[..., ObservationBatch]


@pytest.fixture
def make_batch() -> BatchFactory:
    """Build an ObservationBatch from short column lists; unspecified columns get defaults."""

    def build(
        source: str = "test",
        ids: list[str] | None = None,
        lon: list[float] | None = None,
        lat: list[float] | None = None,
        times: list[datetime] | None = None,
        kind: str = "shelling",
        area: list[str | None] | None = None,
    ) -> ObservationBatch:
        ids = ids or ["a", "b", "c"]
        n = len(ids)
        when = times or [datetime(2023, 1, 6, 12, i, tzinfo=UTC) for i in range(n)]
        return ObservationBatch(
            source=source,
            source_id=ids,
            observed_at_us=np.array([to_epoch_us(t) for t in when], dtype=np.int64),
            observed_until_us=np.full(n, NO_TIME, dtype=np.int64),
            kind=[kind] * n,
            lon=np.array(
                lon if lon is not None else [30.0 + i for i in range(n)], dtype=np.float64
            ),
            lat=np.array(lat if lat is not None else [48.0] * n, dtype=np.float64),
            uncertainty_m=np.full(n, 100.0),
            area=area if area is not None else [None] * n,
            weapon_class=[None] * n,
            attributes_json=["{}"] * n,
            raw=[f"raw,{i}" for i in ids],
            row=np.arange(1, n + 1, dtype=np.int64),
            file_name="test.csv",
            file_sha256="0" * 64,
        )

    return build


@pytest.fixture
def square_agreement() -> Agreement:
    """The hand-made square agreement of ``ceasefire.zones.testing`` (a line at x = 0)."""
    return square_agreement_factory()
