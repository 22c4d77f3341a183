"""Grouping: hand-made cases, and independence of input order and batch split."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.observations.model import NO_TIME
from ceasefire.verification.grouping import GroupingInput, group, incident_id_for
from ceasefire.verification.incremental import merged_id, reconcile
from ceasefire.verification.pairs import box_pairs, components

DAY = 86_400_000_000
HOUR = 3_600_000_000


def make(rows: list[tuple[str, str, str, int, int, float, float, float, str]]) -> GroupingInput:
    """Rows of (uid, source, kind, start_us, end_us, x, y, uncertainty_m, oblast)."""
    return GroupingInput(
        uid=[r[0] for r in rows],
        source=[r[1] for r in rows],
        kind=[r[2] for r in rows],
        start_us=np.array([r[3] for r in rows], dtype=np.int64),
        end_us=np.array([r[4] for r in rows], dtype=np.int64),
        x=np.array([r[5] for r in rows], dtype=np.float64),
        y=np.array([r[6] for r in rows], dtype=np.float64),
        uncertainty_m=np.array([r[7] for r in rows], dtype=np.float64),
        oblast=[r[8] for r in rows],
    )


def partition(inp: GroupingInput) -> set[frozenset[str]]:
    g = group(inp)
    return {frozenset(inp.uid[i] for i in rows) for rows in g.members()}


NAN = float("nan")


def test_firms_pixels_overlapping_on_one_day_are_one_incident() -> None:
    inp = make(
        [
            ("firms:a", "firms", "thermal_anomaly", 0, DAY, 0.0, 0.0, 707.0, "UA-14"),
            ("firms:b", "firms", "thermal_anomaly", 0, DAY, 1600.0, 0.0, 707.0, "UA-14"),
            # 707 + 707 + 250 slack = 1664 m reach: b-c 1700 m apart is just too far
            ("firms:c", "firms", "thermal_anomaly", 0, DAY, 3300.0, 0.0, 707.0, "UA-14"),
            # same place as a, the next UTC day: the day-long spans do not overlap
            ("firms:d", "firms", "thermal_anomaly", DAY, 2 * DAY, 0.0, 0.0, 707.0, "UA-14"),
        ]
    )
    assert partition(inp) == {
        frozenset({"firms:a", "firms:b"}),
        frozenset({"firms:c"}),
        frozenset({"firms:d"}),
    }
    g = group(inp)
    assert g.incident_ids[g.component[0]] == incident_id_for("firms:a")


def test_alert_corroborates_in_its_oblast_and_window_but_never_locates() -> None:
    inp = make(
        [
            ("firms:a", "firms", "thermal_anomaly", 0, DAY, 0.0, 0.0, 707.0, "UA-14"),
            ("alerts:x", "alerts", "air_raid_alert", 2 * HOUR, 3 * HOUR, NAN, NAN, NAN, "UA-14"),
            ("alerts:y", "alerts", "air_raid_alert", 2 * HOUR, 3 * HOUR, NAN, NAN, NAN, "UA-63"),
            ("alerts:z", "alerts", "air_raid_alert", 2 * DAY, 3 * DAY, NAN, NAN, NAN, "UA-14"),
            # an alert alone creates nothing
            ("alerts:w", "alerts", "air_raid_alert", 0, HOUR, NAN, NAN, NAN, "UA-65"),
        ]
    )
    g = group(inp)
    assert g.n_incidents == 1
    assert not g.anchor[1:].any()
    assert list(zip(g.attach_row.tolist(), g.attach_component.tolist(), strict=True)) == [(1, 0)]


def test_kinds_of_different_families_do_not_merge() -> None:
    inp = make(
        [
            ("field:1", "field", "shelling", 0, NO_TIME, 0.0, 0.0, 100.0, ""),
            ("field:2", "field", "heavy_weapon_sighting", 0, NO_TIME, 10.0, 0.0, 100.0, ""),
            ("ucdp:3", "ucdp", "armed_clash", 0, DAY, 500.0, 0.0, 1000.0, ""),
        ]
    )
    assert partition(inp) == {frozenset({"field:1", "ucdp:3"}), frozenset({"field:2"})}


def test_imprecise_point_corroborates_but_does_not_chain() -> None:
    inp = make(
        [
            ("field:1", "field", "shelling", 0, NO_TIME, 0.0, 0.0, 100.0, ""),
            ("field:2", "field", "shelling", 0, NO_TIME, 40_000.0, 0.0, 100.0, ""),
            # 25 km uncertainty: over locate_max (10 km), reaches both
            ("ucdp:9", "ucdp", "shelling", -HOUR, DAY, 20_000.0, 0.0, 25_000.0, ""),
        ]
    )
    g = group(inp)
    assert g.n_incidents == 2
    assert sorted(g.attach_component.tolist()) == [0, 1]


def test_time_pad_of_field_reports() -> None:
    inp = make(
        [
            ("field:1", "field", "explosion", 0, NO_TIME, 0.0, 0.0, 100.0, ""),
            ("field:2", "field", "explosion", 29 * 60_000_000, NO_TIME, 0.0, 0.0, 100.0, ""),
            ("field:3", "field", "explosion", 61 * 60_000_000, NO_TIME, 0.0, 0.0, 100.0, ""),
        ]
    )
    # pads of 15 min each side: 1-2 (29 min) link, 2-3 (32 min) do not
    assert partition(inp) == {frozenset({"field:1", "field:2"}), frozenset({"field:3"})}


def test_long_spans_are_compared_too() -> None:
    inp = make(
        [
            ("acled:m", "acled", "shelling", 0, 30 * DAY, 0.0, 0.0, 2000.0, ""),
            ("field:1", "field", "shelling", 20 * DAY, NO_TIME, 2300.0, 0.0, 100.0, ""),
        ]
    )
    assert partition(inp) == {frozenset({"acled:m", "field:1"})}


def test_box_pairs_equals_brute_force() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 10, size=(300, 3))
    i, j = box_pairs(a, None, 1.0)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    d = np.abs(a[:, None, :] - a[None, :, :]).max(axis=2)
    want = {(p, q) for p, q in zip(*np.nonzero(d <= 1.0), strict=True) if p < q}
    assert got == want
    labels = components(4, np.array([0, 2]), np.array([1, 3]))
    assert labels.tolist() == [0, 0, 2, 2]


# --- order and batch split -----------------------------------------------------------------

_row = st.tuples(
    st.integers(0, 3),  # hour (of a few)
    st.floats(0, 5_000),
    st.floats(0, 5_000),
    st.sampled_from([("firms", "thermal_anomaly"), ("field", "shelling"), ("ucdp", "armed_clash")]),
    st.booleans(),  # day-long
)


def _input(rows: list[tuple[int, float, float, tuple[str, str], bool]]) -> GroupingInput:
    return make(
        [
            (
                f"{src}:{n}",
                src,
                kind,
                h * HOUR,
                (h * HOUR + DAY) if day else NO_TIME,
                x,
                y,
                300.0,
                "UA-14",
            )
            for n, (h, x, y, (src, kind), day) in enumerate(rows)
        ]
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(_row, min_size=1, max_size=40), st.randoms(use_true_random=False), st.data())
def test_partition_and_ids_do_not_depend_on_order_or_batch_split(
    rows: list[tuple[int, float, float, tuple[str, str], bool]], rnd: object, data: st.DataObject
) -> None:
    inp = _input(rows)
    whole = group(inp)
    ids_whole = {
        frozenset(inp.uid[i] for i in m): whole.incident_ids[k]
        for k, m in enumerate(whole.members())
    }
    order = np.array(data.draw(st.permutations(range(len(inp)))), dtype=np.intp)
    shuffled = inp.take(order)
    again = group(shuffled)
    ids_again = {
        frozenset(shuffled.uid[i] for i in m): again.incident_ids[k]
        for k, m in enumerate(again.members())
    }
    assert ids_again == ids_whole

    # batch split: group the first part, store it, then add the rest (late arrivals)
    cut = data.draw(st.integers(0, len(inp)))
    first = shuffled.take(np.arange(cut, dtype=np.intp))
    g1 = group(first)
    plan1 = reconcile(g1, first.uid, {})
    stored = {first.uid[i]: plan1.component_id[k] for k, m in enumerate(g1.members()) for i in m}
    g2 = group(shuffled)
    plan2 = reconcile(g2, shuffled.uid, stored)
    final = {
        frozenset(shuffled.uid[i] for i in m): plan2.component_id[k]
        for k, m in enumerate(g2.members())
    }
    assert set(final) == set(ids_whole)  # the same partition
    for members, incident in final.items():
        known = sorted({stored[u] for u in members if u in stored})
        if len(known) == 1:
            assert incident == known[0]  # extended, id kept
        elif len(known) > 1:
            assert incident == merged_id(known) and plan2.merges[incident] == known
        else:
            assert incident == ids_whole[members]


def test_late_arrival_extends_and_bridging_arrival_merges() -> None:
    early = make(
        [
            ("field:b", "field", "shelling", HOUR, NO_TIME, 0.0, 0.0, 100.0, ""),
            ("field:c", "field", "shelling", HOUR, NO_TIME, 800.0, 0.0, 100.0, ""),
        ]
    )
    g = group(early)
    plan = reconcile(g, early.uid, {})
    assert sorted(plan.new) == sorted([incident_id_for("field:b"), incident_id_for("field:c")])
    stored = {"field:b": incident_id_for("field:b"), "field:c": incident_id_for("field:c")}
    # an earlier observation next to b: b's incident keeps its id (first accepted member)
    late = make(
        [
            ("field:a", "field", "shelling", HOUR - 600_000_000, NO_TIME, 0.0, 10.0, 100.0, ""),
            ("field:b", "field", "shelling", HOUR, NO_TIME, 0.0, 0.0, 100.0, ""),
            ("field:c", "field", "shelling", HOUR, NO_TIME, 800.0, 0.0, 100.0, ""),
        ]
    )
    plan = reconcile(group(late), late.uid, stored)
    assert plan.extended == [incident_id_for("field:b")]
    # a bridge between b and c: a merge record, a new id, old ids untouched
    bridge = make(
        [
            ("field:b", "field", "shelling", HOUR, NO_TIME, 0.0, 0.0, 100.0, ""),
            ("field:c", "field", "shelling", HOUR, NO_TIME, 800.0, 0.0, 100.0, ""),
            ("field:m", "field", "shelling", HOUR, NO_TIME, 400.0, 0.0, 100.0, ""),
        ]
    )
    plan = reconcile(group(bridge), bridge.uid, stored)
    new_id = merged_id(list(stored.values()))
    assert plan.merges == {new_id: sorted(stored.values())}
