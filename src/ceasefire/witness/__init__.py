"""A transparency-log witness (C2SP tlog-witness) and the mission's client for it.

A witness follows logs by origin, remembers the latest checkpoint it cosigned for each, and
cosigns a new one only if the log signed it and a consistency proof shows it extends the
last one. Shown a fork, it refuses and keeps both checkpoints as evidence.
"""

from ceasefire.witness.core import Witness, parse_submission
from ceasefire.witness.state import WitnessState

__all__ = ["Witness", "WitnessState", "parse_submission"]
