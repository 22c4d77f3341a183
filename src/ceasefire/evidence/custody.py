"""Evidence intake, custody transfers, and checks, following the Berkeley Protocol's
preservation practice: record who captured an item, with what device, when (UTC), and its
hash at capture; then append every later transfer or access (who, when, from whom, to
whom, why) and never change what was recorded.

Each evidence record and each custody event is a row of the store and, in the same
transaction, a leaf of the evidence ledger (``store.append_record``):

* ``type: "evidence"`` -- ``sha256``, ``size``, ``media_type``, ``file_name``,
  ``captured_by``, ``device``, ``captured_at_us``, ``sha256_at_capture`` (null when none
  was stated), ``added_by``, ``added_at_us``;
* ``type: "custody"`` -- ``evidence_sha256``, ``event`` (``transfer`` or ``verify``),
  ``from``, ``to``, ``by``, ``at_us``, ``purpose``, ``note``, and ``previous_leaf``, the
  leaf of the previous link of the chain (the evidence record for the first event).

A finding that cites the SHA-256 of a file, checked against a published checkpoint, thus
proves the file is the one taken in, and its custody chain is in the log too.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ceasefire.errors import ConflictError, InputError, NotFoundError
from ceasefire.evidence.files import EvidenceFiles, StoredFile, check_sha256
from ceasefire.ledger.canonical import JSONValue, canonicalize
from ceasefire.ledger.records import typed_record
from ceasefire.store.evidence_sqlite import CustodyRow, EvidenceRow, SqliteEvidence
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import ensure_utc, from_epoch_us, to_epoch_us

logger = logging.getLogger(__name__)

EVIDENCE = "evidence"
CUSTODY = "custody"
TRANSFER = "transfer"
VERIFY = "verify"


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    """One link of the chain of custody."""

    event: str
    from_holder: str | None
    to_holder: str
    by: str
    at: datetime
    purpose: str
    note: str
    leaf_index: int


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """An evidence file's metadata, its custody chain, and where each is in the ledger."""

    sha256: str
    size: int
    media_type: str
    file_name: str
    captured_by: str
    device: str
    captured_at: datetime
    sha256_at_capture: str | None
    added_by: str
    added_at: datetime
    leaf_index: int
    custody: tuple[CustodyEvent, ...]

    @property
    def holder(self) -> str:
        """Who holds the item now: the last transfer's recipient, else who took it in."""
        transfers = [e for e in self.custody if e.event == TRANSFER]
        return transfers[-1].to_holder if transfers else self.added_by


@dataclass(frozen=True, slots=True)
class EvidenceReport:
    """What ``verify_evidence`` found."""

    sha256: str
    stored_sha256: str
    ledger_problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.stored_sha256 == self.sha256 and not self.ledger_problems


def _now_us() -> int:
    return to_epoch_us(datetime.now(UTC))


def _required(value: str, what: str) -> str:
    if not value.strip():
        raise InputError(f"{what} must not be empty")
    return value.strip()


def evidence_record(row: EvidenceRow) -> dict[str, JSONValue]:
    """The ledger record of an evidence row."""
    return {
        "sha256": row.sha256,
        "size": row.size,
        "media_type": row.media_type,
        "file_name": row.file_name,
        "captured_by": row.captured_by,
        "device": row.device,
        "captured_at_us": row.captured_at_us,
        "sha256_at_capture": row.sha256_at_capture or None,
        "added_by": row.added_by,
        "added_at_us": row.added_at_us,
    }


def custody_record(row: CustodyRow, previous_leaf: int) -> dict[str, JSONValue]:
    """The ledger record of a custody event."""
    return {
        "evidence_sha256": row.sha256,
        "event": row.event,
        "from": row.from_holder,
        "to": row.to_holder,
        "by": row.by,
        "at_us": row.at_us,
        "purpose": row.purpose,
        "note": row.note,
        "previous_leaf": previous_leaf,
    }


@dataclass(frozen=True, slots=True)
class EvidenceIntake:
    """Checked capture metadata of an item about to be taken in."""

    file_name: str
    captured_by: str
    device: str
    captured_at_us: int
    sha256_at_capture: str | None
    added_by: str
    media_type: str


def evidence_intake(
    file_name: str,
    *,
    captured_by: str,
    device: str,
    captured_at: datetime,
    sha256: str | None = None,
    added_by: str | None = None,
    media_type: str | None = None,
) -> EvidenceIntake:
    """Check the capture metadata before any byte is stored (``InputError`` naming the field)."""
    captured_by = _required(captured_by, "captured by")
    device = _required(device, "device")
    try:
        captured_us = to_epoch_us(ensure_utc(captured_at))
    except ValueError as exc:
        raise InputError(f"capture time: {exc}") from None
    return EvidenceIntake(
        file_name=file_name,
        captured_by=captured_by,
        device=device,
        captured_at_us=captured_us,
        sha256_at_capture=None if sha256 is None else check_sha256(sha256),
        added_by=(added_by or captured_by).strip(),
        media_type=media_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream",
    )


def add_evidence(
    store: SQLiteStore,
    files: EvidenceFiles,
    path: Path,
    *,
    captured_by: str,
    device: str,
    captured_at: datetime,
    sha256: str | None = None,
    added_by: str | None = None,
    media_type: str | None = None,
) -> EvidenceItem:
    """Take a file in: store its bytes by SHA-256, record its capture metadata in the ledger.

    Refused if the bytes do not hash to ``sha256`` (the hash stated at capture), or if the
    same bytes were taken in before (their record and chain stand; transfer them instead).
    """
    intake = evidence_intake(
        path.name,
        captured_by=captured_by,
        device=device,
        captured_at=captured_at,
        sha256=sha256,
        added_by=added_by,
        media_type=media_type,
    )
    stored = files.put(path, intake.sha256_at_capture)
    return record_evidence(store, stored, intake)


def record_evidence(store: SQLiteStore, stored: StoredFile, intake: EvidenceIntake) -> EvidenceItem:
    """Record an item whose bytes ``EvidenceFiles`` stored: its row and ledger leaf, together.

    Split from ``add_evidence`` so an upload can store its bytes in a worker thread and
    record them on the single writer's connection.
    """
    ledger = SqliteEvidence(store.connection)
    with store.transaction(f"recording evidence {stored.sha256}"):
        if ledger.get(stored.sha256) is not None:
            raise ConflictError(
                f"evidence {stored.sha256} was taken in before; see: ceasefire evidence show"
            )
        row = EvidenceRow(
            sha256=stored.sha256,
            size=stored.size,
            media_type=intake.media_type,
            file_name=intake.file_name,
            captured_by=intake.captured_by,
            device=intake.device,
            captured_at_us=intake.captured_at_us,
            added_at_us=_now_us(),
            leaf_index=-1,
            added_by=intake.added_by,
            sha256_at_capture=intake.sha256_at_capture or "",
        )
        leaf = store.append_record(EVIDENCE, evidence_record(row))
        ledger.insert(replace(row, leaf_index=leaf))
    logger.info("evidence %s taken in at leaf %d", stored.sha256, leaf)
    return show_evidence(store, stored.sha256)


def _event(
    store: SQLiteStore,
    sha256: str,
    event: str,
    *,
    to: str | None,
    by: str,
    purpose: str,
    note: str,
) -> EvidenceItem:
    sha = check_sha256(sha256)
    by = _required(by, "by")
    purpose = _required(purpose, "purpose")
    ledger = SqliteEvidence(store.connection)
    with store.transaction(f"recording custody of {sha}"):
        item = show_evidence(store, sha)
        chain = item.custody
        previous = chain[-1].leaf_index if chain else item.leaf_index
        holder = item.holder
        row = CustodyRow(
            id=0,
            sha256=sha,
            event=event,
            from_holder=holder,
            to_holder=holder if to is None else _required(to, "to"),
            by=by,
            at_us=_now_us(),
            purpose=purpose,
            note=note,
            leaf_index=-1,
        )
        leaf = store.append_record(CUSTODY, custody_record(row, previous))
        ledger.add_custody(
            sha,
            row.event,
            row.from_holder,
            row.to_holder,
            row.by,
            row.at_us,
            row.purpose,
            row.note,
            leaf,
        )
    return show_evidence(store, sha)


def transfer_evidence(
    store: SQLiteStore, sha256: str, *, to: str, by: str, purpose: str, note: str = ""
) -> EvidenceItem:
    """Record that the item passed from its holder to ``to``, done by ``by``, and why."""
    return _event(store, sha256, TRANSFER, to=to, by=by, purpose=purpose, note=note)


def show_evidence(store: SQLiteStore, sha256: str) -> EvidenceItem:
    """An item's metadata and custody chain, with their leaf indexes."""
    sha = check_sha256(sha256)
    ledger = SqliteEvidence(store.connection)
    row = ledger.get(sha)
    if row is None:
        raise NotFoundError(f"no evidence {sha}")
    chain = tuple(
        CustodyEvent(
            c.event,
            c.from_holder,
            c.to_holder,
            c.by,
            from_epoch_us(c.at_us),
            c.purpose,
            c.note,
            c.leaf_index,
        )
        for c in ledger.custody(sha)
    )
    return EvidenceItem(
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        file_name=row.file_name,
        captured_by=row.captured_by,
        device=row.device,
        captured_at=from_epoch_us(row.captured_at_us),
        sha256_at_capture=row.sha256_at_capture or None,
        added_by=row.added_by,
        added_at=from_epoch_us(row.added_at_us),
        leaf_index=row.leaf_index,
        custody=chain,
    )


def _ledger_problems(store: SQLiteStore, sha: str) -> list[str]:
    """Differences between the stored rows of an item and their leaves in the ledger."""
    ledger = SqliteEvidence(store.connection)
    row = ledger.get(sha)
    assert row is not None
    problems: list[str] = []

    def check(leaf: int, kind: str, record: dict[str, JSONValue], what: str) -> None:
        expected = canonicalize(typed_record(kind, record))
        try:
            entry = store.ledger.entry(leaf)
        except NotFoundError:
            problems.append(f"{what}: leaf {leaf} is not in the ledger")
            return
        if entry.data != expected:
            problems.append(f"{what}: leaf {leaf} does not match the stored record")

    check(row.leaf_index, EVIDENCE, evidence_record(row), "evidence record")
    previous = row.leaf_index
    for event in ledger.custody(sha):
        check(event.leaf_index, CUSTODY, custody_record(event, previous), f"custody #{event.id}")
        previous = event.leaf_index
    return problems


def verify_evidence(
    store: SQLiteStore, files: EvidenceFiles, sha256: str, *, by: str | None = None
) -> EvidenceReport:
    """Re-hash the stored bytes and check the records against their leaves.

    With ``by``, the check is itself recorded as a custody event (``verify``: an access).
    """
    sha = check_sha256(sha256)
    show_evidence(store, sha)  # NotFoundError for an unknown item
    stored = files.rehash(sha)
    report = EvidenceReport(sha, stored, tuple(_ledger_problems(store, sha)))
    if by is not None:
        outcome = (
            "intact"
            if report.ok
            else "FAILED: "
            + json.dumps({"stored_sha256": stored, "ledger": list(report.ledger_problems)})
        )
        _event(store, sha, VERIFY, to=None, by=by, purpose="integrity check", note=outcome)
    return report
