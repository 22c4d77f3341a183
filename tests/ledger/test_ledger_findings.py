"""Findings and incident states as ledger leaves: written with the run, provable to a party."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ceasefire.agreement.model import Agreement, Rule, Severity
from ceasefire.assess import assess_pending
from ceasefire.ledger.checkpoint import keygen, load_signer
from ceasefire.ledger_ops import audit, inclusion_bundle, issue_checkpoint
from ceasefire.observations.model import ObservationBatch
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.store.verification_sqlite import SqliteVerification
from ceasefire.verification.model import VerificationQuery
from ceasefire.verification.pipeline import verify_window
from ceasefire.verifier import main as verify_main
from ceasefire.zones.engine import ZoneEngine

BatchFactory = Callable[..., ObservationBatch]
T0 = datetime(2023, 1, 6, 12, 0, tzinfo=UTC)
DAY_START = datetime(2023, 1, 6, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)


def _add(store: SQLiteStore, agreement: Agreement, key: int, batch: ObservationBatch) -> None:
    run = store.start_ingest_run(batch.source, "test.csv", "0" * 64)
    store.add_observations(batch, run)
    assess_pending(store, ZoneEngine.build(agreement), key)


def _leaves(store: SQLiteStore, table: str) -> list[tuple[str, int | None]]:
    key = "finding_id" if table == "finding_states" else "incident_id"
    rows = store.connection.execute(f"SELECT {key}, leaf_index FROM {table} ORDER BY id")
    return [(str(k), None if i is None else int(i)) for k, i in rows]


def test_every_finding_and_incident_state_is_a_provable_leaf(
    store: SQLiteStore, square_agreement: Agreement, make_batch: BatchFactory, tmp_path: Path
) -> None:
    rules = (Rule("no-fire", frozenset({"shelling"}), "anywhere", Severity.SERIOUS),)
    agreement = replace(square_agreement, rules=rules)
    key = store.save_agreement(agreement, {"agreement.yaml": b"synthetic"}).key
    repo = SqliteVerification(store)
    _add(store, agreement, key, make_batch(
        source="field", ids=["b", "c"], lon=[35.45, 35.454], lat=[48.5, 48.5],
        times=[T0, T0 + timedelta(minutes=10)],
    ))  # fmt: skip
    size_before = store.ledger.size()
    verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    findings, states = _leaves(store, "finding_states"), _leaves(store, "incident_states")
    assert len(findings) == 1 and len(states) == 1
    assert all(leaf is not None for _, leaf in findings + states)
    assert store.ledger.size() == size_before + 2
    # an unchanged run appends nothing
    verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    assert store.ledger.size() == size_before + 2

    (f,) = repo.findings(VerificationQuery(agreement_key=key))
    leaf = repo.finding_leaf(f.finding_id)
    entry = store.ledger.entry(leaf)
    record = json.loads(entry.data)
    assert entry.kind == "finding" and record["type"] == "finding"
    assert record["finding"] == f.finding_id and record["rule"] == "no-fire"
    assert (record["agreement_id"], record["agreement_version"]) == (
        agreement.id,
        agreement.version,
    )
    assert record["level"] == f.level and record["grade"] == f.grade
    assert record["responsible"] == f.responsible and record["confidence"] == f.confidence
    assert record["reasons"] == list(f.reasons)
    assert record["members"] == ["field:b", "field:c"]
    (content,) = store.connection.execute(
        "SELECT content_sha256 FROM finding_states WHERE finding_id = ?", (f.finding_id,)
    ).fetchone()
    assert record["content_sha256"] == content
    incident = json.loads(store.ledger.entry(repo.incident_leaf(f.incident_id)).data)
    assert incident["type"] == "incident_state" and incident["members"] == ["field:b", "field:c"]

    # a late arrival changes the incident and the finding: new states, new leaves
    _add(store, agreement, key, make_batch(
        source="field", ids=["a"], lon=[35.451], lat=[48.5], times=[T0 - timedelta(minutes=5)],
    ))  # fmt: skip
    verify_window(store, repo, agreement, key, DAY_START, DAY_END)
    assert all(leaf is not None for _, leaf in _leaves(store, "finding_states"))
    assert len(_leaves(store, "finding_states")) == 2
    new_leaf = repo.finding_leaf(f.finding_id)
    assert new_leaf > leaf
    assert json.loads(store.ledger.entry(new_leaf).data)["members"] == [
        "field:a",
        "field:b",
        "field:c",
    ]

    result, _ = audit(store)  # what `ceasefire ledger verify` runs
    assert result.leaves == store.ledger.size() and result.records >= 4

    key_path = tmp_path / "keys" / "ledger.key"
    vkey = keygen(key_path, "test.example/log")
    issue_checkpoint(store, load_signer(key_path))
    bundle = tmp_path / "finding.json"
    bundle.write_text(json.dumps(inclusion_bundle(store, new_leaf)))
    vkeys = tmp_path / "mission.vkeys"
    vkeys.write_text(vkey + "\n")
    assert verify_main(["inclusion", str(bundle), "--vkeys", str(vkeys)]) == 0
    assert audit(store)[1] is not None
