"""Verification level and Admiralty-style grade of an incident, with the reasons, as data.

**Independence.** Two observations corroborate each other only when they come from
independent *collection channels*, not merely different adapters. ``SOURCE_PROFILES`` gives
each source its channel: ACLED and UCDP both code press and official reports (the same
article often feeds both), so they are one channel, ``media``; two UCDP rows from one
article are one channel too. FIRMS is a satellite sensor that knows nothing of the press,
so FIRMS + UCDP are independent. Air-raid alerts come from the air-defence warning system;
attack reports are one party's own statements; ``field`` is the mission itself.

**Levels.**

- ``confirmed``: a member comes from the mission's own monitors or sensors (channel
  ``mission``), or an analyst confirmed a finding of the incident;
- ``corroborated``: members from at least two independent channels;
- ``reported``: one channel only;
- ``rejected``: by an analyst's decision (applied to findings, see ``records.py``).

**Grade** (NATO AJP-2.1 / Admiralty code): source reliability A–F is the best reliability
among the channels present; information credibility 1–6 is 1 when confirmed or when two
independent channels *locate* the event, 2 when corroborated only by area-level context
(an alert for the oblast), 3 for a single reliable channel, 4 for a single channel of lower
reliability or a satellite fire alone (a fire says something burned, not what), 6 when the
source cannot be judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    REPORTED = "reported"
    CORROBORATED = "corroborated"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class SourceProfile:
    """A source's collection channel and its Admiralty reliability letter, with why."""

    channel: str
    reliability: str  # A..F
    why: str


SOURCE_PROFILES: dict[str, SourceProfile] = {
    "field": SourceProfile("mission", "A", "the mission's own monitors and sensors"),
    "firms": SourceProfile(
        "satellite", "B", "NASA FIRMS thermal sensor: reliable, but a fire has many causes"
    ),
    "ucdp": SourceProfile("media", "B", "UCDP GED, coded from press and official reports"),
    "acled": SourceProfile("media", "B", "ACLED, coded from press and official reports"),
    "alerts": SourceProfile(
        "air-defence", "B", "official air-raid alerts: a threat to an area, not an impact"
    ),
    "attacks": SourceProfile(
        "party-statement", "C", "a party's own daily statement of launches and interceptions"
    ),
}
UNKNOWN_PROFILE = SourceProfile("", "F", "a source without a profile: reliability not judged")

MISSION_CHANNEL = "mission"


def profile_of(source: str) -> SourceProfile:
    """The profile of ``source`` (unknown sources form their own channel, grade F)."""
    known = SOURCE_PROFILES.get(source)
    if known is not None:
        return known
    return SourceProfile(f"other:{source}", UNKNOWN_PROFILE.reliability, UNKNOWN_PROFILE.why)


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What the level needs to know about one member of an incident."""

    source: str
    kind: str
    locates: bool  # an anchor (True) or an area-level corroborator (False)


@dataclass(frozen=True, slots=True)
class Verification:
    level: Level
    reliability: str
    credibility: int
    channels: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def grade(self) -> str:
        """The Admiralty grade, e.g. ``B2``."""
        return f"{self.reliability}{self.credibility}"


def verify(members: Iterable[MemberFacts]) -> Verification:
    """The level, grade and reasons of an incident with these members."""
    items = list(members)
    locating = sorted({profile_of(m.source).channel for m in items if m.locates})
    context = sorted({profile_of(m.source).channel for m in items if not m.locates})
    channels = sorted(set(locating) | set(context))
    reliability = min((profile_of(m.source).reliability for m in items), default="F")
    reasons: list[str] = []
    for source in sorted({m.source for m in items}):
        p = profile_of(source)
        n = sum(1 for m in items if m.source == source)
        reasons.append(
            f"{n} observation(s) from {source} (channel {p.channel}, {p.reliability}: {p.why})"
        )
    if MISSION_CHANNEL in channels:
        level, credibility = Level.CONFIRMED, 1
        reasons.append("confirmed: the mission's own monitors or sensors observed it")
    elif len(channels) >= 2:
        level = Level.CORROBORATED
        if len(locating) >= 2:
            credibility = 1
            reasons.append(f"corroborated: independent channels locate it ({', '.join(locating)})")
        else:
            credibility = 2
            reasons.append(
                f"corroborated: {', '.join(locating) or 'no channel'} locates it; "
                f"{', '.join(c for c in context if c not in locating)} agrees at area level only"
            )
    else:
        level = Level.REPORTED
        kinds = {m.kind for m in items}
        if reliability == "F":
            credibility = 6
        elif kinds == {"thermal_anomaly"}:
            credibility = 4
            reasons.append("a satellite fire alone: something burned; what caused it is not known")
        else:
            credibility = 3 if reliability in ("A", "B") else 4
        if len({m.source for m in items}) > 1:
            reasons.append(
                f"reported: the sources share one channel ({channels[0]}) and are not independent"
            )
        else:
            reasons.append(f"reported: one channel only ({', '.join(channels) or 'none'})")
    return Verification(level, reliability, credibility, tuple(channels), tuple(reasons))
