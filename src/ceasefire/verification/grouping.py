"""Grouping observations into incidents, in space and time, without comparing all pairs.

Two kinds of member:

- **anchors** locate: a point whose radius is at most ``locate_max_m``, of a kind that can
  locate an impact (not an alert or a launch count). Anchors of one kind family are
  *linked* when ``distance <= r_i + r_j + link_slack_m`` and their widened time spans
  overlap; incidents are the connected components of that graph (single linkage, found
  with a union of spanning forests). A component is a pure function of the set of anchors,
  so it depends on neither input order nor how the input was split into batches, and
  adding observations can only merge components, never split them.
- **corroborators** never create or locate an incident: area-only rows (an air-raid alert
  for an oblast), context kinds, and points too uncertain to locate (> ``locate_max_m``).
  A corroborator attaches to every incident with an anchor of a compatible kind whose span
  overlaps its own and which lies in its oblast (area rows) or within reach of its disc
  (imprecise points). An area of the whole country (``UA``), or a point whose radius
  exceeds ``corroborate_max_m`` (UCDP's "somewhere in the country"), corroborates nothing.

Candidate pairs come from a grid hash over ``(x, y, scaled time)`` (``pairs.box_pairs``:
only neighbouring cells are compared), one time-sorted chunk at a time (a superset of the true links, then filtered
exactly); rows whose span is longer than a day are few and queried on their own.

The canonical incident id is ``inc-`` + 16 hex of SHA-256 of the uid of the earliest
anchor (by start time, then uid). See ``incremental.py`` for ids of stored incidents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ceasefire.observations.model import NO_TIME
from ceasefire.verification.pairs import box_pairs, compress, union
from ceasefire.verification.tolerances import CONTEXT_KINDS, FIRE, GroupingParams, family_of

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_HALF_SPAN_US = 13 * 3600 * 1_000_000  # spans up to 26 h (a UTC day plus pads) are "regular"
_CHUNK_ROWS = 100_000
COUNTRY_AREA = "UA"


@dataclass(slots=True)
class GroupingInput:
    """Observations as columns, with metric coordinates (NaN for area-only rows)."""

    uid: list[str]
    source: list[str]
    kind: list[str]
    start_us: IntArray
    end_us: IntArray  # NO_TIME for an instant
    x: FloatArray
    y: FloatArray
    uncertainty_m: FloatArray  # NaN when unknown (the source's floor applies)
    oblast: list[str]  # ISO code of the row's oblast ("" unknown)

    def __len__(self) -> int:
        return len(self.uid)

    def take(self, index: npt.NDArray[np.intp]) -> GroupingInput:
        """The selected rows, as a new input."""
        pick = index.tolist()
        return GroupingInput(
            uid=[self.uid[i] for i in pick],
            source=[self.source[i] for i in pick],
            kind=[self.kind[i] for i in pick],
            start_us=self.start_us[index],
            end_us=self.end_us[index],
            x=self.x[index],
            y=self.y[index],
            uncertainty_m=self.uncertainty_m[index],
            oblast=[self.oblast[i] for i in pick],
        )


@dataclass(slots=True)
class Grouping:
    """The result: a component per anchor, and corroborator attachments."""

    component: IntArray  # per row: incident component of an anchor, -1 for the rest
    incident_ids: list[str]  # canonical id per component
    anchor: BoolArray
    attach_row: IntArray  # corroborator rows ...
    attach_component: IntArray  # ... and the component each attaches to
    span_start_us: IntArray  # per row: the widened span used for linking
    span_end_us: IntArray
    radius_m: FloatArray

    @property
    def n_incidents(self) -> int:
        return len(self.incident_ids)

    def members(self) -> list[list[int]]:
        """Anchor rows of each component (ascending row order)."""
        rows = np.flatnonzero(self.component >= 0)
        order = rows[np.argsort(self.component[rows], kind="stable")]
        bounds = np.searchsorted(self.component[order], np.arange(self.n_incidents + 1))
        return [order[bounds[k] : bounds[k + 1]].tolist() for k in range(self.n_incidents)]


def incident_id_for(uid: str) -> str:
    """The canonical incident id founded by the observation ``uid``."""
    return "inc-" + hashlib.sha256(uid.encode()).hexdigest()[:16]


def spans(inp: GroupingInput, params: GroupingParams) -> tuple[IntArray, IntArray, FloatArray]:
    """Widened closed spans ``[start, end]`` (µs) and radii (m) of every row.

    A span with an end is treated as half-open (a FIRMS date row ends at 24:00, which
    belongs to the next day), so its closed end is one microsecond earlier.
    """
    keys = [f"{s}\0{k}" for s, k in zip(inp.source, inp.kind, strict=True)]
    distinct, inverse = np.unique(np.array(keys, dtype=object), return_inverse=True)
    pads, floors = [], []
    for key in distinct.tolist():
        source, kind = key.split("\0", 1)
        tol = params.tolerance(source, kind)
        pads.append(tol.time_pad_s)
        floors.append(tol.min_radius_m)
    pad: IntArray = (np.array(pads, dtype=np.float64)[inverse] * 1e6).astype(np.int64)
    floor: FloatArray = np.array(floors, dtype=np.float64)[inverse]
    end: IntArray = np.where(inp.end_us == NO_TIME, inp.start_us, inp.end_us)
    end = np.where(end > inp.start_us, end - 1, end)
    radius: FloatArray = np.fmax(np.nan_to_num(inp.uncertainty_m, nan=0.0), floor)
    start: IntArray = inp.start_us - pad
    return start, end + pad, radius


def _linked(
    i: IntArray,
    j: IntArray,
    x: FloatArray,
    y: FloatArray,
    r: FloatArray,
    s: IntArray,
    e: IntArray,
    slack: float,
) -> BoolArray:
    reach = r[i] + r[j] + slack
    dx = x[i] - x[j]
    dy = y[i] - y[j]
    close = dx * dx + dy * dy <= reach * reach
    return close & (np.maximum(s[i], s[j]) <= np.minimum(e[i], e[j]))


def _anchor_links(
    labels: IntArray,
    rows: IntArray,
    x: FloatArray,
    y: FloatArray,
    r: FloatArray,
    s: IntArray,
    e: IntArray,
    slack: float,
) -> IntArray:
    """Union the components of ``labels`` along every link among the anchor ``rows``."""
    half = (e[rows] - s[rows]) / 2.0
    regular = rows[half <= _HALF_SPAN_US]
    long_rows = rows[half > _HALF_SPAN_US]
    reach = 2.0 * float(r[rows].max()) + slack + 1.0
    if len(regular) > 1:
        # the widest regular half-span bounds the time axis: |centre_i - centre_j| <= 2 * h
        h = max(float(((e[regular] - s[regular]) / 2.0).max()), 1.0)
        centre = (s[regular] + e[regular]) // 2
        order = np.argsort(centre, kind="stable")
        regular = regular[order]
        scale = reach / (2.0 * h + 1.0)
        t = (centre[order] - centre[order][0]).astype(np.float64) * scale
        coords = np.column_stack([x[regular], y[regular], t])
        start = 0
        while start < len(regular):
            stop = min(start + _CHUNK_ROWS, len(regular))
            lo = int(np.searchsorted(t, t[start] - reach * 1.000001 - 1.0, side="left"))
            pi, pj = box_pairs(coords[lo:stop], None, reach, exact=False)
            pi = regular[lo + pi]
            pj = regular[lo + pj]
            keep = _linked(pi, pj, x, y, r, s, e, slack)
            labels = union(labels, pi[keep], pj[keep])
            start = stop
    if len(long_rows):
        # few rows span more than a day: compare them in space only, then filter exactly
        size = float(r[long_rows].max()) + float(r[rows].max()) + slack + 1.0
        pi, pj = box_pairs(
            np.column_stack([x[long_rows], y[long_rows]]),
            np.column_stack([x[rows], y[rows]]),
            size,
        )
        pi, pj = long_rows[pi], rows[pj]
        keep = _linked(pi, pj, x, y, r, s, e, slack) & (pi != pj)
        labels = union(labels, pi[keep], pj[keep])
    return labels


def _canonical_ids(component: IntArray, n_comp: int, start: IntArray, uid: list[str]) -> list[str]:
    rows = np.flatnonzero(component >= 0)
    if len(rows) == 0:
        return []
    uid_rank = np.empty(len(rows), dtype=np.int64)
    uid_rank[pc.sort_indices(pa.array([uid[i] for i in rows.tolist()])).to_numpy()] = np.arange(
        len(rows)
    )
    order = np.lexsort((uid_rank, start[rows], component[rows]))
    comp_sorted = component[rows][order]
    first = np.flatnonzero(np.r_[True, comp_sorted[1:] != comp_sorted[:-1]])
    founders = rows[order][first]
    ids = [""] * n_comp
    for k, row in zip(comp_sorted[first].tolist(), founders.tolist(), strict=True):
        ids[k] = incident_id_for(uid[row])
    return ids


def group(inp: GroupingInput, params: GroupingParams | None = None) -> Grouping:
    """Group ``inp`` into incidents (see the module docstring for the exact semantics)."""
    params = params or GroupingParams()
    n = len(inp)
    s, e, r = spans(inp, params)
    family = np.array([family_of(k) for k in inp.kind], dtype=object)
    context = np.array([k in CONTEXT_KINDS for k in inp.kind], dtype=bool)
    has_point = np.isfinite(inp.x) & np.isfinite(inp.y)
    anchor = has_point & ~context & (r <= params.locate_max_m)
    labels = np.arange(n, dtype=np.int64)
    for fam in sorted(set(family[anchor].tolist())):
        rows = np.flatnonzero(anchor & (family == fam))
        labels = _anchor_links(labels, rows, inp.x, inp.y, r, s, e, params.link_slack_m)
    labels = compress(labels)
    component = np.full(n, -1, dtype=np.int64)
    anchors = np.flatnonzero(anchor)
    if len(anchors):
        _, dense = np.unique(labels[anchors], return_inverse=True)
        component[anchors] = dense
    n_comp = int(component.max()) + 1 if len(anchors) else 0
    ids = _canonical_ids(component, n_comp, inp.start_us, inp.uid)
    attach_row, attach_comp = _attachments(
        inp, anchor, component, family, has_point, s, e, r, params
    )
    return Grouping(component, ids, anchor, attach_row, attach_comp, s, e, r)


def _attachments(
    inp: GroupingInput,
    anchor: BoolArray,
    component: IntArray,
    family: npt.NDArray[np.object_],
    has_point: BoolArray,
    s: IntArray,
    e: IntArray,
    r: FloatArray,
    params: GroupingParams,
) -> tuple[IntArray, IntArray]:
    """(corroborator row, component) pairs: same oblast or within reach, spans overlapping."""
    corroborators = np.flatnonzero(~anchor)
    anchors = np.flatnonzero(anchor)
    out_r: list[IntArray] = []
    out_c: list[IntArray] = []
    if len(corroborators) == 0 or len(anchors) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    # the family a corroborator may join: context kinds corroborate fire
    fam_c = np.where(
        np.array([inp.kind[i] in CONTEXT_KINDS for i in corroborators.tolist()], dtype=bool),
        FIRE,
        family[corroborators],
    )
    max_span = int((e[anchors] - s[anchors]).max())
    # 1. area rows: by oblast, an interval join on sorted starts
    oblast_a = np.array([inp.oblast[i] for i in anchors.tolist()], dtype=object)
    area_rows = corroborators[~has_point[corroborators]]
    area_fam = fam_c[~has_point[corroborators]]
    for key in sorted(
        {(inp.oblast[i], f) for i, f in zip(area_rows.tolist(), area_fam.tolist(), strict=True)}
    ):
        oblast, fam = key
        if not oblast or oblast == COUNTRY_AREA:
            continue
        cand = anchors[(oblast_a == oblast) & (family[anchors] == fam)]
        if len(cand) == 0:
            continue
        cand = cand[np.argsort(s[cand], kind="stable")]
        rows = np.array(
            [
                i
                for i, f in zip(area_rows.tolist(), area_fam.tolist(), strict=True)
                if inp.oblast[i] == oblast and f == fam
            ],
            dtype=np.int64,
        )
        lo = np.searchsorted(s[cand], s[rows] - max_span, side="left")
        hi = np.searchsorted(s[cand], e[rows], side="right")
        counts = hi - lo
        pr = np.repeat(rows, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        pa_ = cand[np.repeat(lo, counts) + offsets]
        keep = e[pa_] >= s[pr]
        out_r.append(pr[keep])
        out_c.append(component[pa_[keep]])
    # 2. imprecise points and point-carrying context rows: by distance
    near = has_point[corroborators] & (r[corroborators] <= params.corroborate_max_m)
    point_rows = corroborators[near]
    if len(point_rows):
        point_fam = fam_c[near]
        size = float(r[point_rows].max()) + float(r[anchors].max()) + params.link_slack_m + 1.0
        ci, ai = box_pairs(
            np.column_stack([inp.x[point_rows], inp.y[point_rows]]),
            np.column_stack([inp.x[anchors], inp.y[anchors]]),
            size,
        )
        if len(ci):
            pr = point_rows[ci]
            pf = point_fam[ci]
            pa_ = anchors[ai]
            keep = _linked(pr, pa_, inp.x, inp.y, r, s, e, params.link_slack_m)
            keep &= family[pa_] == pf
            out_r.append(pr[keep])
            out_c.append(component[pa_[keep]])
    if not out_r:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    pairs = np.unique(np.column_stack([np.concatenate(out_r), np.concatenate(out_c)]), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
