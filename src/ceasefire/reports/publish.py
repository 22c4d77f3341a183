"""Publishing a written report: a ``report`` leaf in the ledger, and a checkpoint covering it.

Every report the mission writes is recorded in the evidence ledger (window, agreement
version, SHA-256 of each file written, generation time), so a party holding the files can
prove that these exact bytes were published. When a signing key is configured, a signed
checkpoint that covers the new leaf is stored and written next to the report as
``<stem>.checkpoint`` (a C2SP signed note); the record's leaf index is printed so its
inclusion proof can be asked for (``ceasefire ledger proof inclusion --leaf N``).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ceasefire.ledger.canonical import JSONValue
from ceasefire.ledger.checkpoint import NoteSigner, load_signer
from ceasefire.ledger_ops import issue_checkpoint
from ceasefire.reports.model import ReportData
from ceasefire.settings import Settings
from ceasefire.store.base import AgreementRecord
from ceasefire.store.ledger_sqlite import StoredCheckpoint
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.timeutil import from_epoch_us, to_epoch_us

logger = logging.getLogger(__name__)

REPORT = "report"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class PublishedReport:
    """A report's ledger leaf, and the checkpoint issued with it (None without a key)."""

    leaf_index: int
    record: dict[str, JSONValue]
    checkpoint: StoredCheckpoint | None
    checkpoint_path: Path | None


def _iso(when: datetime) -> str:
    return from_epoch_us(to_epoch_us(when)).isoformat().replace("+00:00", "Z")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def report_files(written: Mapping[str, Path]) -> list[Path]:
    """Every file ``write_report`` wrote: the formats, and the pictures the Markdown names."""
    files = list(written.values())
    md = written.get("md")
    if md is not None:
        for suffix in ("map", "timeline"):
            picture = md.with_name(f"{md.stem}-{suffix}.png")
            if picture.is_file():
                files.append(picture)
    return sorted(set(files), key=lambda p: p.name)


def report_record(
    report: ReportData, agreement: AgreementRecord, files: Sequence[Path]
) -> dict[str, JSONValue]:
    """The ledger record (``type: "report"``) of a written report."""
    return {
        "title": report.title,
        "window_start": _iso(report.window_start),
        "window_end": _iso(report.window_end),
        "agreement_id": agreement.agreement_id,
        "agreement_version": agreement.version,
        "agreement_sha256": agreement.content_sha256,
        "generated_at": _iso(report.generated_at),
        "files": [
            {"name": path.name, "sha256": _sha256(path), "size": path.stat().st_size}
            for path in files
        ],
    }


def configured_signer(settings: Settings) -> NoteSigner | None:
    """The ledger signing key of ``settings`` when one is configured and present, else None."""
    path = settings.ledger_key
    if path is None or not Path(path).is_file():
        return None
    return load_signer(path)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def publish_report(
    store: SQLiteStore,
    report: ReportData,
    agreement: AgreementRecord,
    written: Mapping[str, Path],
    signer: NoteSigner | None,
) -> PublishedReport:
    """Append the ``report`` record of the written files; with ``signer``, a checkpoint too.

    The record is committed before the checkpoint is signed, so the checkpoint covers it;
    the checkpoint note is written as ``<stem>.checkpoint`` beside the report's files.
    """
    files = report_files(written)
    if not files:
        raise ValueError("no report file was written")
    record = report_record(report, agreement, files)
    leaf = store.append_record(REPORT, record)
    logger.info("report %s: ledger leaf %d", files[0].stem, leaf)
    if signer is None:
        return PublishedReport(leaf, record, None, None)
    checkpoint = issue_checkpoint(store, signer)
    first = next(iter(written.values()))
    path = first.with_name(f"{first.stem}.checkpoint")
    _write_atomically(path, checkpoint.note)
    return PublishedReport(leaf, record, checkpoint, path)
