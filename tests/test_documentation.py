"""Every CLI command and every setting is documented (datasette's habit)."""

from __future__ import annotations

from pathlib import Path

import typer

from ceasefire.cli import app
from ceasefire.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _command_paths(typer_app: typer.Typer, prefix: str = "ceasefire") -> list[str]:
    paths: list[str] = []
    for info in typer_app.registered_commands:
        assert info.callback is not None
        name = info.name or info.callback.__name__.replace("_", "-")
        paths.append(f"{prefix} {name}")
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None and group.name is not None
        paths.extend(_command_paths(group.typer_instance, f"{prefix} {group.name}"))
    return paths


def test_every_cli_command_is_in_docs_cli_md() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = _command_paths(app)
    assert len(commands) >= 10
    missing = [c for c in commands if f"`{c}" not in text]
    assert missing == []


def test_every_setting_is_in_docs_settings_md_with_its_default() -> None:
    text = (DOCS / "settings.md").read_text()
    for name, field in Settings.model_fields.items():
        assert f"`CEASEFIRE_{name.upper()}`" in text, name
        assert field.description, f"setting {name} has no help text"
