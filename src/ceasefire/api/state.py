"""What every request handler needs: settings, the opened workspace, users and audit log.

One ``ApiState`` per app, kept in ``app.state.ceasefire`` and handed to routes by the
``get_state`` dependency. The store has one SQLite connection shared by the request threads:
hold ``state.lock`` around any use of ``state.store`` / ``state.verification`` (or open a
connection of your own for heavy writers).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request

from ceasefire.access.policy import Policy
from ceasefire.agreement.loader import load_agreement
from ceasefire.agreement.model import Agreement
from ceasefire.settings import Settings
from ceasefire.store.access_sqlite import SqliteAccess
from ceasefire.store.base import AgreementRecord
from ceasefire.store.sqlite import SQLiteStore
from ceasefire.store.verification_sqlite import SqliteVerification
from ceasefire.workspace import Workspace

T = TypeVar("T")


class TurnTakingAccess(SqliteAccess):
    """Users and audit log whose audit writes take ``turn``, the lock the submission writer
    holds around its commits: the two writers of the file alternate on a Python lock rather
    than through SQLite's sleeping busy handler (see ``submissions.writer``)."""

    def __init__(self, path: Path, turn: threading.Lock) -> None:
        super().__init__(path)
        self.turn = turn

    def flush(self) -> None:
        with self.turn:
            super().flush()


@dataclass
class ApiState:
    settings: Settings
    workspace: Workspace
    access: SqliteAccess
    policy: Policy
    lock: threading.RLock = field(default_factory=threading.RLock)
    write_turn: threading.Lock = field(default_factory=threading.Lock)
    _agreements: dict[int, Agreement] = field(default_factory=dict)
    _cache: dict[Hashable, Any] = field(default_factory=dict)

    @property
    def store(self) -> SQLiteStore:
        return self.workspace.store

    @property
    def verification(self) -> SqliteVerification:
        return SqliteVerification(self.workspace.store)

    @contextmanager
    def locked(self) -> Iterator[Workspace]:
        """The workspace, with the store's connection held by this thread."""
        with self.lock:
            yield self.workspace

    def active_agreement(self) -> tuple[AgreementRecord, Agreement]:
        """The active agreement version, loaded once per version (CeasefireError if none)."""
        with self.lock:
            record = self.store.active_agreement()
            if record is not None and record.key in self._agreements:
                return record, self._agreements[record.key]
            record, agreement = self.workspace.active_agreement()
            self._agreements[record.key] = agreement
            return record, agreement

    def agreement_of(self, agreement_id: str, version: int) -> tuple[AgreementRecord, Agreement]:
        """A stored agreement version by id and version, loaded once."""
        with self.lock:
            record = self.store.find_agreement(agreement_id, version)
            if record.key not in self._agreements:
                if record.active:
                    return self.active_agreement()
                self._agreements[record.key] = load_agreement(self.workspace.agreement_dir(record))
            return record, self._agreements[record.key]

    def cached(self, key: Hashable, make: Callable[[], T]) -> T:
        """A value computed once per key (for answers that only change with the agreement)."""
        with self.lock:
            if key not in self._cache:
                self._cache[key] = make()
            value: T = self._cache[key]
            return value

    def active_key(self) -> int | None:
        """The key of the active agreement version, for zone, side and oblast filters."""
        with self.lock:
            record = self.store.active_agreement()
        return None if record is None else record.key

    @classmethod
    def open(cls, settings: Settings) -> ApiState:
        workspace = Workspace.open(settings.workspace, settings)
        turn = threading.Lock()
        access = TurnTakingAccess(workspace.store.path, turn)
        policy = Policy.from_settings(settings.public_delay_hours, settings.public_grid_m)
        key = access.secret("evidence-ref")
        return cls(settings, workspace, access, policy.with_key(key), write_turn=turn)

    def close(self) -> None:
        self.access.close()
        with self.lock:
            self.workspace.close()


async def get_state(request: Request) -> ApiState:
    """FastAPI dependency: the app's ``ApiState`` (async: no thread-pool hop)."""
    state = request.app.state.ceasefire
    assert isinstance(state, ApiState)
    return state
