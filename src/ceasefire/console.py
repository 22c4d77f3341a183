"""Terminal helpers shared by the CLI and the demo: progress bars built with rich."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from ceasefire.errors import CeasefireError
from ceasefire.ingest import ProgressCallback
from ceasefire.settings import Settings
from ceasefire.timeutil import parse_utc


def make_progress(console: Console, bytes_mode: bool = False) -> Progress:
    """A progress bar on ``console``; it stays on screen only when that is a terminal."""
    columns: list[ProgressColumn] = [
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn() if bytes_mode else MofNCompleteColumn(),
        TimeRemainingColumn(),
    ]
    return Progress(*columns, console=console, transient=not console.is_terminal)


def bytes_progress(progress: Progress, task: TaskID) -> ProgressCallback:
    """An ingest progress callback that moves ``task`` to (bytes read, file size)."""

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return update


def settings_for(workspace: Path | None) -> Settings:
    """Settings from the environment, with ``--workspace`` overriding when given."""
    settings = Settings()
    if workspace is not None:
        settings = settings.model_copy(update={"workspace": workspace})
    return settings


def option_time(value: str | None, option: str) -> datetime | None:
    """A command-line time: ISO 8601 with an offset, or a bare ``YYYY-MM-DD`` meaning 00:00 UTC."""
    if value is None:
        return None
    try:
        return parse_utc(value if ("T" in value or " " in value) else value + "T00:00:00Z")
    except ValueError as exc:
        raise CeasefireError(f"{option}: {value!r} is not an ISO 8601 UTC time ({exc})") from None
