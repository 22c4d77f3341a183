"""Analysts' decisions and parties' replies: new records that point at a finding.

Nothing here edits a finding. A decision (``confirm``, ``reject``, ``attribute``) or a reply
is appended; the *effective* state of a finding is computed from its latest judgement and
the decisions recorded after it, latest decision last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ceasefire.errors import InputError


class Action(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"
    ATTRIBUTE = "attribute"


@dataclass(frozen=True, slots=True)
class Decision:
    """An analyst's decision on a finding."""

    finding_id: str
    action: Action
    reason: str
    analyst: str
    decided_at: datetime
    party: str = ""  # for ``attribute``: the party now held responsible
    id: int = 0  # given by the store

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise InputError("a decision needs a reason")
        if not self.analyst.strip():
            raise InputError("a decision needs the analyst's name")
        if (self.action is Action.ATTRIBUTE) != bool(self.party):
            raise InputError("a party is given with --attribute, and only then")


@dataclass(frozen=True, slots=True)
class Reply:
    """A party's reply to a finding (its right of reply), kept verbatim."""

    finding_id: str
    party: str
    text: str
    author: str
    replied_at: datetime
    id: int = 0

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise InputError("a reply needs text")


@dataclass(frozen=True, slots=True)
class EffectiveState:
    """A finding as it stands after its decisions."""

    level: str
    responsible: str
    confidence: float
    reasons: tuple[str, ...]


def effective_state(
    level: str, responsible: str, confidence: float, decisions: Sequence[Decision]
) -> EffectiveState:
    """Apply ``decisions`` (any order; sorted by time, then id) to a computed judgement."""
    reasons: list[str] = []
    for d in sorted(decisions, key=lambda d: (d.decided_at, d.id)):
        when = d.decided_at.isoformat().replace("+00:00", "Z")
        if d.action is Action.CONFIRM:
            level = "confirmed"
            reasons.append(f"confirmed by {d.analyst} at {when}: {d.reason}")
        elif d.action is Action.REJECT:
            level = "rejected"
            reasons.append(f"rejected by {d.analyst} at {when}: {d.reason}")
        else:
            responsible, confidence = d.party, 1.0
            reasons.append(f"attributed to {d.party} by {d.analyst} at {when}: {d.reason}")
    return EffectiveState(level, responsible, confidence, tuple(reasons))
