"""Zone assessment of stored observations under an agreement version.

Observations are append-only, so the store keeps a watermark per agreement version and
this step only ever reads what came after it: re-running it is cheap and changes nothing.
Replaying history under a new agreement version is the same call with the new version.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ceasefire.store.base import AssessmentRows, Store
from ceasefire.zones.engine import ZoneEngine

logger = logging.getLogger(__name__)

DEFAULT_ASSESS_BATCH = 200_000


def assess_pending(
    store: Store,
    engine: ZoneEngine,
    agreement_key: int,
    *,
    batch_size: int = DEFAULT_ASSESS_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Assess every observation not yet assessed under ``agreement_key``; return how many."""
    done = 0
    while True:
        pending = store.pending_assessment(agreement_key, batch_size)
        if len(pending.rowids) == 0:
            break
        result = engine.assess(pending.lon, pending.lat, pending.area)
        store.save_assessments(
            agreement_key,
            AssessmentRows(
                rowids=pending.rowids,
                signed_distance_m=result.signed_distance_m,
                side=list(result.side),
                oblast=list(result.oblast),
                zone_ids=result.zone_ids,
                in_zone=result.in_zone,
            ),
        )
        done += len(pending.rowids)
        if progress is not None:
            progress(len(pending.rowids))
    logger.info("assessed %d observations under agreement key %d", done, agreement_key)
    return done
