"""Ledger checkpoints on a schedule inside ``ceasefire serve``.

With ``CEASEFIRE_LEDGER_CHECKPOINT_EVERY`` set, the app runs ``ledger_ops.checkpoint_every``
(the code of ``ceasefire ledger checkpoint --every``) in a thread of its own, on a store
connection of its own (the request connection stays with the request threads), from the
app's startup until its shutdown.
"""

from __future__ import annotations

import logging
import threading

from ceasefire.errors import CeasefireError
from ceasefire.ledger.checkpoint import NoteSigner, load_signer
from ceasefire.ledger_ops import checkpoint_every
from ceasefire.settings import Settings
from ceasefire.workspace import Workspace

logger = logging.getLogger(__name__)


class CheckpointSchedule:
    """Checkpoints every ``every_s`` seconds, from ``start()`` until ``stop()``."""

    def __init__(self, settings: Settings, signer: NoteSigner, every_s: float) -> None:
        self.settings = settings
        self.signer = signer
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._workspace: Workspace | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckpointSchedule | None:
        """The configured schedule (None when off); refuses a missing or unusable key."""
        if not settings.ledger_checkpoint_every:
            return None
        key = settings.ledger_key
        if key is None or not key.expanduser().is_file():
            where = "is not set" if key is None else f"{key} does not exist"
            raise CeasefireError(
                "CEASEFIRE_LEDGER_CHECKPOINT_EVERY is set but the signing key "
                f"CEASEFIRE_LEDGER_KEY {where}; create it with: ceasefire ledger keygen"
            )
        return cls(settings, load_signer(key), settings.ledger_checkpoint_every)

    def start(self) -> None:
        self._workspace = Workspace.open(self.settings.workspace, self.settings)
        self._thread = threading.Thread(
            target=self._run, args=(self._workspace,), name="ceasefire-checkpoints", daemon=True
        )
        self._thread.start()
        logger.info("signing a ledger checkpoint every %g s", self.every_s)

    def _run(self, workspace: Workspace) -> None:
        try:
            checkpoint_every(workspace.store, self.signer, self.every_s, self._stop)
        except CeasefireError as exc:  # e.g. the log no longer extends the last checkpoint
            logger.error("scheduled ledger checkpoints stopped: %s", exc)
        except Exception:
            logger.exception("scheduled ledger checkpoints stopped")

    def stop(self) -> None:
        """Stop the schedule (a checkpoint being issued is finished first); close its store."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._workspace is not None:
            self._workspace.close()
