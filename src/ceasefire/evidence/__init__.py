"""Evidence files (photos, video, documents) kept by SHA-256 with their chain of custody.

The bytes live content-addressed under the workspace (``files``); the metadata and every
custody event are rows of the store *and* leaves of the evidence ledger (``custody``), so
a published checkpoint proves the file a finding cites is the file that was captured.
"""

from ceasefire.evidence.custody import (
    CustodyEvent,
    EvidenceIntake,
    EvidenceItem,
    EvidenceReport,
    add_evidence,
    evidence_intake,
    record_evidence,
    show_evidence,
    transfer_evidence,
    verify_evidence,
)
from ceasefire.evidence.files import EvidenceFiles

__all__ = [
    "CustodyEvent",
    "EvidenceFiles",
    "EvidenceIntake",
    "EvidenceItem",
    "EvidenceReport",
    "add_evidence",
    "evidence_intake",
    "record_evidence",
    "show_evidence",
    "transfer_evidence",
    "verify_evidence",
]
