"""A workspace: one directory holding the store, the loaded agreements and outputs.

Layout::

    WORKSPACE/
      ceasefire.db                  the SQLite store (unless CEASEFIRE_DATABASE_URL says otherwise)
      agreements/ID/vVERSION/       a copy of each loaded agreement's files, as loaded
      outputs/                      maps, exports and reports written by commands
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ceasefire.agreement.loader import load_agreement
from ceasefire.agreement.model import Agreement
from ceasefire.errors import CeasefireError, StoreError
from ceasefire.settings import Settings
from ceasefire.store.base import AgreementRecord
from ceasefire.store.sqlite import SQLiteStore, agreement_content_sha256, open_store

MARKER = "ceasefire.db"


def agreement_files(directory: Path) -> dict[str, bytes]:
    """Every file of an agreement directory by relative POSIX path (hidden files skipped)."""
    files: dict[str, bytes] = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    return files


@dataclass
class Workspace:
    """An opened workspace. Close it (or use it as a context manager) to release the store."""

    root: Path
    store: SQLiteStore

    @classmethod
    def init(cls, root: Path, settings: Settings | None = None) -> Workspace:
        """Create (or reopen) a workspace at ``root``."""
        settings = settings or Settings(workspace=root)
        if root.exists() and not root.is_dir():
            raise CeasefireError(f"{root} exists and is not a directory")
        for sub in ("agreements", "outputs"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        url = settings.database_url or f"sqlite:///{root / MARKER}"
        return cls(root, open_store(url, synchronous=settings.sqlite_synchronous))

    @classmethod
    def open(cls, root: Path, settings: Settings | None = None) -> Workspace:
        """Open an existing workspace; a missing one is an error that says how to make it."""
        settings = settings or Settings(workspace=root)
        if settings.database_url is None and not (root / MARKER).exists():
            raise CeasefireError(
                f"{root} is not a ceasefire workspace; create it with: ceasefire init {root}"
            )
        url = settings.database_url or f"sqlite:///{root / MARKER}"
        return cls(root, open_store(url, synchronous=settings.sqlite_synchronous))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def outputs(self) -> Path:
        path = self.root / "outputs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def agreement_dir(self, record: AgreementRecord) -> Path:
        return self.root / "agreements" / record.agreement_id / f"v{record.version}"

    def load_agreement(self, directory: Path) -> tuple[AgreementRecord, Agreement]:
        """Validate an agreement directory, store it as a version, and make it active."""
        agreement = load_agreement(directory)
        files = agreement_files(directory)
        record = self.store.save_agreement(agreement, files)
        target = self.agreement_dir(record)
        if not target.exists():
            tmp = target.with_name(target.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            for relative, content in files.items():
                (tmp / relative).parent.mkdir(parents=True, exist_ok=True)
                (tmp / relative).write_bytes(content)
            tmp.rename(target)
        return record, agreement

    def active_agreement(self) -> tuple[AgreementRecord, Agreement]:
        """The active agreement version, loaded from the workspace copy and checked against the store."""
        record = self.store.active_agreement()
        if record is None:
            raise CeasefireError(
                "no agreement loaded in this workspace; load one with: ceasefire agreement load DIR"
            )
        directory = self.agreement_dir(record)
        if not directory.exists():
            self._restore_from_store(record, directory)
        if agreement_content_sha256(agreement_files(directory)) != record.content_sha256:
            raise StoreError(
                f"{directory} differs from agreement {record.agreement_id} version {record.version} as "
                "stored; do not edit loaded agreements in place, load a new version instead"
            )
        return record, load_agreement(directory)

    def _restore_from_store(self, record: AgreementRecord, directory: Path) -> None:
        for relative, content in self.store.agreement_files(record.key).items():
            (directory / relative).parent.mkdir(parents=True, exist_ok=True)
            (directory / relative).write_bytes(content)
