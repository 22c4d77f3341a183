"""Presumed responsible party of a finding, with every signal and a confidence.

Attribution is a presumption with reasons, never a bare label. Signals:

- **side of impact**: fire that lands on one party's side presumptively comes from the
  other; a weapon seen on one party's side presumptively belongs to that party. Only when
  the point is farther from the line than its uncertainty (and at least
  ``SIDE_MARGIN_M``); an exchange of fire (armed clash, small arms) says nothing by side;
- **direction of fire**, when an observation gives the bearing the fire came from
  (attribute ``fire_from_deg``): points 2–20 km back along it are placed on the map;
- **a party's own claim** (attribute ``claimed_by``: a party code);
- **the actor a source codes** (ACLED ``actor1``), weaker than a claim.

Each signal supports one party with a weight ``w``; a party's support is
``1 - Π(1 - w)`` over its signals (independent evidence), the presumed party is the best
supported, and the confidence is ``support(best) × (1 - support(runner-up))``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ceasefire.agreement.line_of_contact import party_at_xy
from ceasefire.agreement.model import Agreement
from ceasefire.geo import project_xy
from ceasefire.store.base import StoredObservation

SIDE_MARGIN_M = 1_000.0
W_SIDE = 0.6
W_DIRECTION = 0.8
W_CLAIM = 0.9
W_ACTOR = 0.5

IMPACT_KINDS = frozenset(
    {
        "shelling",
        "missile_strike",
        "drone_strike",
        "air_strike",
        "explosion",
        "projectile_in_flight",
    }
)
EXCHANGE_KINDS = frozenset({"armed_clash", "small_arms_fire"})
PRESENCE_KINDS = frozenset({"heavy_weapon_sighting", "military_presence"})
ALIASES = {"RU": ("Russia",), "UA": ("Ukraine",)}
_BACK_KM = (2.0, 5.0, 10.0, 15.0, 20.0)


@dataclass(frozen=True, slots=True)
class Signal:
    party: str  # "" when the signal supports nobody (kept as a reason)
    weight: float
    reason: str
    uid: str


@dataclass(frozen=True, slots=True)
class Attribution:
    party: str  # "" undetermined
    confidence: float
    signals: tuple[Signal, ...]

    def reasons(self) -> tuple[str, ...]:
        return tuple(s.reason for s in self.signals)

    def as_json(self) -> list[dict[str, object]]:
        return [
            {"party": s.party, "weight": s.weight, "reason": s.reason, "uid": s.uid}
            for s in self.signals
        ]


def _uid(o: StoredObservation) -> str:
    return f"{o.source}:{o.source_id}"


def _other(agreement: Agreement, party: str) -> str:
    return next((p for p in agreement.party_codes if p != party), "")


def side_signal(agreement: Agreement, o: StoredObservation) -> Signal | None:
    """What the side of the line where ``o`` fell says about who is responsible."""
    if o.lon is None or o.signed_distance_m is None or not o.side:
        return None
    where = f"{abs(o.signed_distance_m) / 1000:.1f} km inside {o.side}'s side of the line"
    if o.kind in EXCHANGE_KINDS:
        return Signal(
            "", 0.0, f"{o.kind} {where}: an exchange of fire, side tells nothing", _uid(o)
        )
    margin = max(SIDE_MARGIN_M, o.uncertainty_m or 0.0)
    if abs(o.signed_distance_m) <= margin:
        return Signal(
            "",
            0.0,
            f"{o.kind} {where}, within its uncertainty ({margin:.0f} m) of the line: side not decisive",
            _uid(o),
        )
    if o.kind in IMPACT_KINDS:
        other = _other(agreement, o.side)
        return Signal(
            other, W_SIDE, f"{o.kind} landed {where}: presumably fired by {other}", _uid(o)
        )
    if o.kind in PRESENCE_KINDS:
        return Signal(o.side, W_SIDE, f"{o.kind} {where}: presumably {o.side}'s", _uid(o))
    return None


def direction_signal(agreement: Agreement, o: StoredObservation, bearing: float) -> Signal:
    """Which side the fire came from, looking back along ``bearing`` from the impact."""
    assert o.lon is not None and o.lat is not None
    crs = agreement.geography.crs
    x0, y0 = project_xy(np.array([o.lon]), np.array([o.lat]), crs)
    back = np.array(_BACK_KM) * 1000.0
    rad = math.radians(bearing)
    parties = party_at_xy(
        agreement.geography, x0[0] + back * math.sin(rad), y0[0] + back * math.cos(rad)
    )
    named = [str(p) for p in parties.tolist() if p]
    if not named:
        return Signal("", 0.0, f"fire from {bearing:.0f}°: comes from outside the country", _uid(o))
    best = max(sorted(set(named)), key=named.count)
    share = named.count(best) / len(_BACK_KM)
    return Signal(
        best,
        round(W_DIRECTION * share, 3),
        f"fire came from bearing {bearing:.0f}°: {named.count(best)} of {len(_BACK_KM)} points "
        f"2–20 km back are on {best}'s side",
        _uid(o),
    )


def _attribute_signals(agreement: Agreement, o: StoredObservation) -> list[Signal]:
    signals: list[Signal] = []
    try:
        attrs = json.loads(o.attributes_json or "{}")
    except json.JSONDecodeError:
        return signals
    if not isinstance(attrs, dict):
        return signals
    bearing = attrs.get("fire_from_deg")
    if isinstance(bearing, int | float) and o.lon is not None and 0 <= bearing < 360:
        signals.append(direction_signal(agreement, o, float(bearing)))
    claim = attrs.get("claimed_by")
    if isinstance(claim, str) and claim in agreement.party_codes:
        signals.append(Signal(claim, W_CLAIM, f"{claim} claimed it ({o.source})", _uid(o)))
    actor = attrs.get("actor1")
    if o.source == "acled" and isinstance(actor, str):
        for party in agreement.parties:
            names = (party.name, *ALIASES.get(party.code, ()))
            if any(n and n in actor for n in names):
                signals.append(
                    Signal(party.code, W_ACTOR, f"ACLED codes the actor as {actor!r}", _uid(o))
                )
                break
    return signals


def attribute(
    agreement: Agreement, located: StoredObservation, members: Sequence[StoredObservation]
) -> Attribution:
    """Attribute a finding whose location is ``located``, using every member's signals."""
    signals: list[Signal] = []
    side = side_signal(agreement, located)
    if side is not None:
        signals.append(side)
    for o in members:
        signals.extend(_attribute_signals(agreement, o))
    support: dict[str, float] = {}
    for party in agreement.party_codes:
        miss = 1.0
        for s in signals:
            if s.party == party:
                miss *= 1.0 - s.weight
        support[party] = 1.0 - miss
    ranked = sorted(support.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] <= 0.0:
        return Attribution("", 0.0, tuple(signals))
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    if math.isclose(ranked[0][1], runner):
        return Attribution("", 0.0, tuple(signals))
    return Attribution(ranked[0][0], round(ranked[0][1] * (1.0 - runner), 3), tuple(signals))
