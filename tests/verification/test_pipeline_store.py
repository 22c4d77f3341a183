"""The pipeline on a real store: runs, late arrivals, decisions, replies, coverage, exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ceasefire.agreement.model import Agreement, Rule, Severity
from ceasefire.assess import assess_pending
from ceasefire.errors import InputError, NotFoundError
from ceasefire.observations.model import ObservationBatch
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.store.verification_sqlite import SqliteVerification
from ceasefire.verification.coverage import CoverageGap, GapKind
from ceasefire.verification.exports import (
    ACLED_COLUMNS,
    findings_geojson,
    incidents_geojson,
    write_acled_csv,
)
from ceasefire.verification.grouping import incident_id_for
from ceasefire.verification.model import VerificationQuery
from ceasefire.verification.pipeline import verify_window, window_gaps
from ceasefire.verification.records import Action, Decision, Reply, effective_state
from ceasefire.zones.engine import ZoneEngine

BatchFactory = Callable[..., ObservationBatch]


T0 = datetime(2023, 1, 6, 12, 0, tzinfo=UTC)
DAY_START = datetime(2023, 1, 6, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)


@pytest.fixture
def world(
    store: SQLiteStore, square_agreement: Agreement
) -> tuple[SQLiteStore, SqliteVerification, Agreement, int]:
    rules = (Rule("no-fire", frozenset({"shelling"}), "anywhere", Severity.SERIOUS),)
    agreement = replace(square_agreement, rules=rules)
    record = store.save_agreement(agreement, {"agreement.yaml": b"synthetic"})
    return store, SqliteVerification(store), agreement, record.key


def add(store: SQLiteStore, agreement: Agreement, key: int, batch: object) -> None:
    from ceasefire.observations.model import ObservationBatch

    assert isinstance(batch, ObservationBatch)
    run = store.start_ingest_run(batch.source, "test.csv", "0" * 64)
    store.add_observations(batch, run)
    assess_pending(store, ZoneEngine.build(agreement), key)


def test_run_is_idempotent_and_late_arrivals_extend(
    world: tuple[SQLiteStore, SqliteVerification, Agreement, int], make_batch: BatchFactory
) -> None:
    store, repo, agreement, key = world
    # two shellings 300 m apart on UA's side (west of the line at 35.5 E), 10 min apart
    add(store, agreement, key, make_batch(
        source="field", ids=["b", "c"], lon=[35.45, 35.454], lat=[48.5, 48.5],
        times=[T0, T0 + timedelta(minutes=10)],
    ))  # fmt: skip
    s1 = verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    assert (s1.incidents, s1.new, s1.findings) == (1, 1, 1)
    assert verify_window(store, repo, agreement, key, DAY_START, DAY_END).new_states == 0
    (inc,) = repo.incidents(VerificationQuery())
    assert inc.incident_id == incident_id_for("field:b")
    (f,) = repo.findings(VerificationQuery(agreement_key=key))
    assert f.level == "confirmed" and f.responsible == "RU" and f.side == "UA"
    assert [u for u, _ in f.evidence] == ["field:b", "field:c"]
    # an earlier report and a FIRMS pixel arrive late: same incident, a new state row
    add(store, agreement, key, make_batch(
        source="field", ids=["a"], lon=[35.451], lat=[48.5], times=[T0 - timedelta(minutes=5)],
    ))  # fmt: skip
    add(store, agreement, key, make_batch(
        source="firms", ids=["p"], lon=[35.452], lat=[48.5], times=[T0], kind="thermal_anomaly",
    ))  # fmt: skip
    s2 = verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    assert (s2.new, s2.extended, s2.merges) == (0, 1, 0)
    (inc,) = repo.incidents(VerificationQuery())
    assert inc.incident_id == incident_id_for("field:b")  # fixed by its first-accepted member
    assert inc.founder_uid == "field:b"
    assert {u for u, _ in inc.member_uids} == {"field:a", "field:b", "field:c", "firms:p"}
    (f2,) = repo.findings(VerificationQuery())
    assert f2.finding_id == f.finding_id and f2.observed_at == T0 - timedelta(minutes=5)
    rows = store.connection.execute("SELECT count(*) FROM finding_states").fetchone()
    assert rows[0] == 2  # the first state is kept, never edited


def test_bridging_observation_merges_with_a_record(
    world: tuple[SQLiteStore, SqliteVerification, Agreement, int], make_batch: BatchFactory
) -> None:
    store, repo, agreement, key = world
    add(store, agreement, key, make_batch(
        source="field", ids=["b", "c"], lon=[35.44, 35.449], lat=[48.5, 48.5], times=[T0, T0],
    ))  # fmt: skip
    verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    assert len(repo.incidents(VerificationQuery())) == 2
    add(store, agreement, key, make_batch(
        source="field", ids=["m"], lon=[35.4445], lat=[48.5], times=[T0],
    ))  # fmt: skip
    s = verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    assert s.merges == 1
    (merged,) = repo.incidents(VerificationQuery())
    assert sorted(merged.merged_from) == sorted(
        [incident_id_for("field:b"), incident_id_for("field:c")]
    )
    (f,) = repo.findings(VerificationQuery())
    assert f.incident_id == merged.incident_id


def test_decisions_and_replies_are_new_records(
    world: tuple[SQLiteStore, SqliteVerification, Agreement, int], make_batch: BatchFactory
) -> None:
    store, repo, agreement, key = world
    add(store, agreement, key, make_batch(source="ucdp", ids=["1"], lon=[35.45], lat=[48.5]))
    verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    (f,) = repo.findings(VerificationQuery())
    assert f.level == "reported"
    later = datetime(2023, 1, 7, tzinfo=UTC)
    repo.add_decision(
        Decision(f.finding_id, Action.ATTRIBUTE, "crater analysis", "A1", later, "UA")
    )
    repo.add_decision(
        Decision(f.finding_id, Action.REJECT, "wrong date", "A2", later + timedelta(hours=1))
    )
    repo.add_reply(Reply(f.finding_id, "RU", "We did not fire.", "liaison", later))
    with pytest.raises(InputError):
        Decision(f.finding_id, Action.ATTRIBUTE, "no party", "A1", later)
    with pytest.raises(NotFoundError):
        repo.add_reply(Reply("fnd-missing", "RU", "?", "x", later))
    g = repo.finding(f.finding_id)
    assert g.level == "reported"  # the computed state is untouched
    state = effective_state(g.level, g.responsible, g.confidence, g.decisions)
    assert (state.level, state.responsible) == ("rejected", "UA")
    assert [r.text for r in g.replies] == ["We did not fire."]
    kinds = [
        k
        for (k,) in store.connection.execute("SELECT kind FROM ledger_records ORDER BY leaf_index")
    ]
    assert kinds == ["incident_state", "finding", "decision", "decision", "reply"]


def test_coverage_gaps(
    world: tuple[SQLiteStore, SqliteVerification, Agreement, int], make_batch: BatchFactory
) -> None:
    store, repo, agreement, key = world
    repo.add_gap(CoverageGap(GapKind.ACCESS_DENIAL, T0, T0 + timedelta(hours=2), area="UA-01",
                             denied_by="RU", reason="security", reported_by="T1"))  # fmt: skip
    repo.add_gap(CoverageGap(GapKind.SENSOR_OUTAGE, T0 - timedelta(days=3), None, sensor="UAV-2"))
    repo.add_gap(
        CoverageGap(
            GapKind.SENSOR_OUTAGE, T0 - timedelta(days=5), T0 - timedelta(days=4), sensor="cam"
        )
    )
    add(store, agreement, key, make_batch(
        source="field", ids=["d"], lon=[35.3], lat=[48.6], kind="movement_restriction",
    ))  # fmt: skip
    gaps = window_gaps(store, repo, key, DAY_START, DAY_END)
    assert [(g.kind.value, g.sensor or g.denied_by or g.source_uid) for g in gaps] == [
        ("sensor_outage", "UAV-2"),
        ("access_denial", "field:d"),
        ("access_denial", "RU"),
    ]
    with pytest.raises(InputError):
        CoverageGap(GapKind.SENSOR_OUTAGE, T0, None, area="UA-01")


def test_exports_follow_filters_and_acled_layout(
    world: tuple[SQLiteStore, SqliteVerification, Agreement, int], make_batch: BatchFactory
) -> None:
    store, repo, agreement, key = world
    add(store, agreement, key, make_batch(
        source="field", ids=["w", "e"], lon=[35.4, 35.6], lat=[48.5, 48.4],
    ))  # fmt: skip
    verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    assert len(repo.findings(VerificationQuery())) == 2
    west = repo.findings(VerificationQuery(side="UA"))
    assert len(west) == 1 and west[0].responsible == "RU"
    assert repo.findings(VerificationQuery(oblast="UA-02", side="UA")) == []
    assert len(repo.incidents(VerificationQuery(zone="band", agreement_key=key))) == 2
    assert len(repo.findings(VerificationQuery(sources=("firms",)))) == 0
    out = io.StringIO()
    write_acled_csv(west, out, {"RU": "Russian Federation"}, {"UA-01": "North"})
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == ACLED_COLUMNS and len(ACLED_COLUMNS) == 33
    assert rows[0]["event_type"] == "Explosions/Remote violence"
    assert rows[0]["sub_event_type"] == "Shelling/artillery/missile attack"
    assert rows[0]["actor1"] == "Russian Federation" and rows[0]["admin1"] == "North"
    assert rows[0]["fatalities"] == ""  # unknown, not zero
    gj = findings_geojson(west)
    assert gj["features"][0]["properties"]["evidence"] == [{"uid": "field:w", "role": "locates"}]
    assert len(incidents_geojson(repo.incidents(VerificationQuery()))["features"]) == 2
