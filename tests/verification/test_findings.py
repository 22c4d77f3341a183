"""Rules → findings for every ``where``, ``after`` and severity; attribution with reasons."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ceasefire.access.policy import Policy
from ceasefire.agreement.model import Agreement, Rule, Severity
from ceasefire.store.base import StoredObservation
from ceasefire.verification.attribution import attribute
from ceasefire.verification.findings import finding_id_for, judge
from ceasefire.verification.levels import Level, MemberFacts, verify

EFFECTIVE = datetime(2023, 1, 6, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2023, 2, 1, tzinfo=UTC)


@pytest.fixture
def agreement(square_agreement: Agreement) -> Agreement:
    band, ring = square_agreement.zones
    zones = (
        replace(band, prohibits_weapon_classes=frozenset({"artillery_100mm_plus"})),
        replace(ring, prohibits_kinds=frozenset({"shelling"}), demilitarised_after=DEADLINE),
    )
    rules = (
        Rule("no-fire", frozenset({"shelling", "armed_clash"}), "anywhere", Severity.SERIOUS),
        Rule("weapons", frozenset({"heavy_weapon_sighting"}), "zone_prohibits_weapon", Severity.MODERATE),
        Rule("ring-kinds", frozenset({"shelling"}), "zone_prohibits_kind", Severity.SERIOUS),
        Rule("band-only", frozenset({"explosion"}), "zones", Severity.MINOR, zones=("band",)),
        Rule(
            "later", frozenset({"military_presence"}), "anywhere", Severity.MODERATE,
            after=EFFECTIVE + timedelta(days=3),
        ),
    )  # fmt: skip
    return replace(square_agreement, zones=zones, rules=rules)


def obs(
    kind: str,
    *,
    when: datetime = EFFECTIVE + timedelta(hours=1),
    zones: tuple[str, ...] = (),
    side: str = "UA",
    distance: float = -5_000.0,
    weapon: str | None = None,
    uncertainty: float = 100.0,
    source: str = "field",
    attributes: dict[str, object] | None = None,
    lon: float = 35.45,
    lat: float = 48.5,
    n: int = 1,
) -> StoredObservation:
    return StoredObservation(
        rowid=n,
        source=source,
        source_id=f"{kind}-{n}",
        observed_at=when,
        observed_until=None,
        kind=kind,
        lon=lon,
        lat=lat,
        uncertainty_m=uncertainty,
        area=None,
        weapon_class=weapon,
        attributes_json=json.dumps(attributes or {}),
        raw="",
        file_sha256="",
        file_row=n,
        zones=zones,
        signed_distance_m=distance,
        side=side,
        oblast="UA-01",
    )


def rules_hit(agreement: Agreement, *anchors: StoredObservation) -> dict[str, tuple[str, ...]]:
    v = verify(MemberFacts(o.source, o.kind, True) for o in anchors)
    return {f.rule_id: f.zones for f in judge(agreement, "inc-x", anchors, anchors, v)}


def test_anywhere_rule_with_severity_and_zone_of_the_point(agreement: Agreement) -> None:
    o = obs("shelling", zones=("band",))
    (f,) = [f for f in judge(agreement, "inc-x", [o], [o], verify([])) if f.rule_id == "no-fire"]
    assert f.severity == "serious" and f.zone == "band"
    assert f.finding_id == finding_id_for(agreement, "no-fire", "inc-x")
    assert f.matched == ("field:shelling-1",)


def test_nothing_before_effective_and_rule_after(agreement: Agreement) -> None:
    assert rules_hit(agreement, obs("shelling", when=EFFECTIVE - timedelta(minutes=1))) == {}
    assert rules_hit(agreement, obs("shelling", when=EFFECTIVE)) == {"no-fire": ()}
    early = obs("military_presence", when=EFFECTIVE + timedelta(days=2))
    late = obs("military_presence", when=EFFECTIVE + timedelta(days=3))
    assert rules_hit(agreement, early) == {}
    assert rules_hit(agreement, late) == {"later": ()}


def test_zones_rule(agreement: Agreement) -> None:
    assert rules_hit(agreement, obs("explosion", zones=("band",))) == {"band-only": ("band",)}
    assert rules_hit(agreement, obs("explosion", zones=("ring",))) == {}


@pytest.mark.parametrize(
    ("weapon", "zones", "hit"),
    [
        ("artillery_100mm_plus", ("band",), True),
        ("artillery_100mm_plus", ("ring",), False),  # the ring does not prohibit it
        ("tank", ("band",), False),  # the band does not prohibit tanks
        (None, ("band",), False),  # no weapon class observed
    ],
)
def test_zone_prohibits_weapon(
    agreement: Agreement, weapon: str | None, zones: tuple[str, ...], hit: bool
) -> None:
    got = rules_hit(agreement, obs("heavy_weapon_sighting", weapon=weapon, zones=zones))
    assert ("weapons" in got) is hit


def test_zone_prohibits_kind_only_after_the_zone_deadline(agreement: Agreement) -> None:
    before = obs("shelling", zones=("ring",), when=DEADLINE - timedelta(hours=1))
    after = obs("shelling", zones=("ring",), when=DEADLINE)
    assert "ring-kinds" not in rules_hit(agreement, before)
    assert rules_hit(agreement, after)["ring-kinds"] == ("ring",)


def test_thermal_anomaly_alone_is_no_violation(agreement: Agreement) -> None:
    fire = obs("thermal_anomaly", source="firms", uncertainty=707.0)
    assert rules_hit(agreement, fire) == {}
    assert verify([MemberFacts("firms", "thermal_anomaly", True)]).credibility == 4


def test_levels() -> None:
    firms = MemberFacts("firms", "thermal_anomaly", True)
    ucdp = MemberFacts("ucdp", "shelling", True)
    acled = MemberFacts("acled", "shelling", True)
    alert = MemberFacts("alerts", "air_raid_alert", False)
    field = MemberFacts("field", "shelling", True)
    assert verify([ucdp, ucdp]).level is Level.REPORTED
    assert verify([ucdp, acled]).level is Level.REPORTED  # both code the press: one channel
    assert verify([firms, ucdp]).grade == "B1" and verify([firms, ucdp]).level is Level.CORROBORATED
    assert verify([firms, alert]).grade == "B2"
    assert verify([firms, field]).level is Level.CONFIRMED
    assert verify([MemberFacts("drone-log", "shelling", True)]).grade == "F6"


# --- attribution ---------------------------------------------------------------------------


def test_fire_landing_on_one_side_is_presumed_from_the_other(agreement: Agreement) -> None:
    a = attribute(agreement, obs("shelling", side="UA", distance=-5_000.0), [])
    assert a.party == "RU" and a.confidence == pytest.approx(0.6)
    assert "presumably fired by RU" in a.reasons()[0]


def test_near_the_line_the_side_is_not_decisive(agreement: Agreement) -> None:
    a = attribute(agreement, obs("shelling", side="UA", distance=-800.0, uncertainty=900.0), [])
    assert a.party == "" and "not decisive" in a.reasons()[0]


def test_exchange_of_fire_and_weapon_presence(agreement: Agreement) -> None:
    assert attribute(agreement, obs("armed_clash"), []).party == ""
    seen = obs("heavy_weapon_sighting", side="RU", distance=8_000.0)
    assert attribute(agreement, seen, []).party == "RU"


def test_claim_and_direction_of_fire(agreement: Agreement) -> None:
    # impact on RU's side 3 km east of the line; fire came from the west (270°): UA's side
    impact = obs(
        "shelling", side="RU", distance=3_000.0, lon=35.54, attributes={"fire_from_deg": 270}
    )
    a = attribute(agreement, impact, [impact])
    assert a.party == "UA"
    assert any("bearing 270" in r for r in a.reasons())
    claimed = obs("shelling", attributes={"claimed_by": "UA"}, n=2)
    b = attribute(agreement, obs("shelling"), [claimed])
    # side says RU (0.6), the claim says UA (0.9): UA, with the conflict lowering confidence
    assert b.party == "UA" and b.confidence == pytest.approx(0.9 * (1 - 0.6))


def test_public_reasons_keep_the_side_and_drop_distances_and_bearings(
    agreement: Agreement,
) -> None:
    """The public reads attribution reasons without the distance to the line or the bearing
    of fire (either places a finding inside its coarse public cell), but still with the side."""
    impact = obs(
        "shelling", side="RU", distance=3_000.0, lon=35.54, attributes={"fire_from_deg": 270}
    )
    near = obs("shelling", side="UA", distance=-800.0, uncertainty=900.0, n=2)
    outside = obs("shelling", side="UA", lon=35.05, attributes={"fire_from_deg": 270}, n=3)
    computed = [
        *attribute(agreement, impact, [impact]).reasons(),
        *attribute(agreement, near, []).reasons(),
        *attribute(agreement, outside, [outside]).reasons(),
        "rule no-fire (serious): shelling, from 2023-01-06T09:00:00Z",
    ]
    assert any(re.search(r"\d km inside|°", r) for r in computed)  # what there is to remove
    public = Policy.public_reasons(computed)
    assert not [r for r in public if re.search(r"\d\s*(km|m)\b|°|bearing", r)], public
    assert "shelling landed inside RU's side of the line: presumably fired by UA" in public
    assert "fire came from UA's side" in public
    assert any("side not decisive" in r for r in public)
    assert "rule no-fire (serious): shelling, from 2023-01-06T09:00:00Z" in public
