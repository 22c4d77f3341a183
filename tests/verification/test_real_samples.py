"""The pipeline on the shipped real samples (FIRMS, alerts, UCDP) under the example agreement.

Numbers checked by hand from the CSV files:

- FIRMS 2023-01-06 has 11 rows (``grep 2023-01-06 firms_ukraine_2023_window.csv``). Five lie
  around 47.876–47.879 N, 35.150–35.156 E (Zaporizhzhia): at most ~450 m apart, within the
  1,664 m reach of two MODIS pixels (707 + 707 + 250 m). The sixth there, 35.18914 E, is
  0.033° ≈ 2.5 km east of the nearest: separate. 48.473/34.630 and 48.533/34.649 are 6.7 km
  apart; the other four are far from everything. So 1 + 6 = 7 incidents, and no finding:
  fires alone break no rule of the example (its no-fire rule lists shelling, strikes and
  clashes, not thermal anomalies).
- UCDP rows dated 02/01/2023 (the Kyiv day 2023-01-31 22:00 to 2023-02-01 22:00 UTC) with
  ``where_prec`` 1 (1 km) are 462254 (Chernihiv) and 462257 (Donetsk); every other row of that
  day is ``where_prec`` 2–6 (25 km and more, over the 10 km a locating row may have), so only
  these two make incidents: 2 findings of ``no-fire`` (armed clash, after the effective date).
  The nearest ``where_prec`` 2 row to 462257 (48.592 N 37.99993 E) is 34 km away, beyond its
  25 + 1 km + 250 m reach, so it is corroborated only by the Donetsk air-raid alerts of that
  night (level corroborated, grade B2); 462254 in Chernihiv has no alert: reported, B3.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ceasefire.agreement.loader import example_agreement_dir
from ceasefire.assess import assess_pending
from ceasefire.demo import SAMPLES, sample_path
from ceasefire.ingest import ingest_file
from ceasefire.observations.sources.registry import get_source
from ceasefire.store.verification_sqlite import SqliteVerification
from ceasefire.verification.model import VerificationQuery
from ceasefire.verification.pipeline import verify_window
from ceasefire.workspace import Workspace
from ceasefire.zones.engine import ZoneEngine


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root: Path = tmp_path_factory.mktemp("real") / "ws"
    with Workspace.init(root) as ws:
        record, agreement = ws.load_agreement(example_agreement_dir())
        for source, name in SAMPLES:
            ingest_file(ws.store, get_source(source), sample_path(name))
        assess_pending(ws.store, ZoneEngine.build(agreement), record.key)
        yield ws


def test_truce_day_fires_make_seven_incidents_and_no_finding(workspace: Workspace) -> None:
    record, agreement = workspace.active_agreement()
    repo = SqliteVerification(workspace.store)
    day = datetime(2023, 1, 6, tzinfo=UTC)
    end = datetime(2023, 1, 7, tzinfo=UTC)
    summary = verify_window(workspace.store, repo, agreement, record.key, day, end)
    assert summary.findings == 0
    incidents = repo.incidents(VerificationQuery(since=day, until=end, sources=("firms",)))
    assert len(incidents) == 7
    assert sorted(i.state.members - sum(r == "corroborates" for _, r in i.member_uids)
                  for i in incidents) == [1, 1, 1, 1, 1, 1, 5]  # fmt: skip


def test_ucdp_first_of_february_gives_two_findings(workspace: Workspace) -> None:
    record, agreement = workspace.active_agreement()
    repo = SqliteVerification(workspace.store)
    start = datetime(2023, 1, 31, 22, tzinfo=UTC)
    end = datetime(2023, 2, 1, 22, tzinfo=UTC)
    verify_window(workspace.store, repo, agreement, record.key, start, end)
    found = repo.findings(VerificationQuery(since=start, until=end, agreement_key=record.key))
    by_anchor = {f.matched: (f.rule_id, f.level, f.grade, f.oblast) for f in found}
    assert by_anchor == {
        ("ucdp:462254",): ("no-fire", "reported", "B3", "UA-74"),
        ("ucdp:462257",): ("no-fire", "corroborated", "B2", "UA-14"),
    }
