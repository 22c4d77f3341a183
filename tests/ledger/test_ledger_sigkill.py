"""SIGKILL during a 100,000-observation ingest, repeatedly: nothing acknowledged is lost.

The child ingests real FIRMS detections (the first 100,000 rows of the 2022 file in
../shared/data) chunk by chunk, and after each chunk's commit appends the chunk's uids to an
acknowledgement file. The parent kills it with SIGKILL at seeded random moments, four times,
then lets a last run finish, and checks: every acknowledged observation is stored exactly
once, the Merkle log recomputes end to end (leaf count = records), and the store holds
exactly the file's observations.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ceasefire.observations.sources.registry import get_source
from ceasefire.store.sqlite import SQLiteStore

ROWS = 100_000
CHILD = """
import sys
from pathlib import Path
from ceasefire.observations.sources.registry import get_source
from ceasefire.store.sqlite import SQLiteStore

db, csv, acks = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
source = get_source("firms")
with SQLiteStore(db) as store, acks.open("a", encoding="utf-8") as out:
    run = store.start_ingest_run("firms", csv.name, "kill-test")
    for chunk in source.read(csv, chunk_rows=5_000):
        store.add_observations(chunk.batch, run)  # returns after the fsynced commit
        store.add_rejections(chunk.rejections, run)
        out.write("".join(f"firms:{s}\\n" for s in chunk.batch.source_id))
        out.flush()
print("done")
"""


@pytest.mark.shared_data
def test_sigkill_during_ingest_loses_nothing_acknowledged(
    shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / "firms-fires" / "ukr_fire_data_2022.csv").read_text().splitlines()
    csv = tmp_path / "firms_2022_first_100k.csv"  # real rows, not generated
    csv.write_text("\n".join(lines[: ROWS + 1]) + "\n")
    db, acks = tmp_path / "kill.db", tmp_path / "acks.txt"
    rng = random.Random(20230106)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", CHILD, str(db), str(csv), str(acks)]
    killed = 0
    for _ in range(4):
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE)
        time.sleep(rng.uniform(0.4, 1.6))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.communicate(timeout=30)
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    assert killed >= 2, "the child finished before it could be killed: make the sleeps shorter"

    acknowledged = set(acks.read_text().split())
    expected = {f"firms:{s}" for c in get_source("firms").read(csv) for s in c.batch.source_id}
    with SQLiteStore(db) as store:
        stored = [u for (u,) in store.connection.execute("SELECT uid FROM observations")]
        assert len(stored) == len(set(stored)), "an observation is stored twice"
        assert acknowledged <= set(stored), "an acknowledged observation was lost"
        assert set(stored) == expected
        result = store.ledger.audit()
        assert result.observations == len(stored) and result.leaves == len(stored)
        assert result.root == store.ledger.log().root()
