"""Fixtures for the warning tests: the real shared data as signal records, the oblast and
cell index of the shipped example agreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.agreement.loader import example_agreement_dir, load_agreement
from ceasefire.observations.sources.registry import get_source
from ceasefire.warning.areas import AreaIndex
from ceasefire.warning.inputs import records_from_files, shared_files
from ceasefire.warning.records import SignalRecords


@pytest.fixture(scope="session")
def area_index() -> AreaIndex:
    return AreaIndex(load_agreement(example_agreement_dir()))


@pytest.fixture(scope="session")
def real_records(shared_data: Path) -> SignalRecords:
    """Every signal-feeding record of the shared data (FIRMS 2021-2023), read by adapter."""
    return records_from_files(shared_files(shared_data), get_source)
