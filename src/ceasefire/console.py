"""Terminal helpers shared by the CLI and the demo: progress bars built with rich."""

from __future__ import annotations

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

from ceasefire.ingest import ProgressCallback


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
