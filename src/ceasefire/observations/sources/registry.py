"""Finding source adapters by short name.

Built-in adapters are registered through the ``ceasefire.sources`` entry-point group in
``pyproject.toml``, exactly as an outside package would register its own, so the plugin
path is the one used every day. A dotted path (``package.module:Class``) also works.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ceasefire.errors import UnknownSourceError
from ceasefire.observations.sources.base import Source

ENTRY_POINT_GROUP = "ceasefire.sources"

_extra: dict[str, type[Source]] = {}


def register_source(cls: type[Source]) -> type[Source]:
    """Register an adapter class at run time (for tests and embedding); usable as a decorator."""
    _extra[cls.name] = cls
    return cls


def available_sources() -> dict[str, type[Source]]:
    """Every registered adapter by short name, entry points first, then run-time ones."""
    found: dict[str, type[Source]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.load()
    found.update(_extra)
    return found


def get_source(name: str) -> Source:
    """An instance of the adapter registered as ``name`` or at dotted path ``module:Class``."""
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise UnknownSourceError(f"cannot load source adapter {name!r}: {exc}") from None
        instance: Source = cls()
        return instance
    sources = available_sources()
    if name not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise UnknownSourceError(f"unknown source {name!r}; known sources: {known}")
    return sources[name]()


def unregister_source(name: str) -> None:
    """Remove an adapter registered at run time (tests use this to clean up)."""
    _extra.pop(name, None)
