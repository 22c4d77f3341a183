"""The taxonomy table covers every kind, and docs/taxonomy.md is generated from it."""

from __future__ import annotations

from pathlib import Path

from ceasefire.observations.taxonomy import KIND_TABLE, Kind, kind_info, taxonomy_markdown


def test_every_kind_has_exactly_one_table_row() -> None:
    assert sorted(info.kind for info in KIND_TABLE) == sorted(Kind)
    for kind in Kind:
        assert kind_info(kind).meaning


def test_docs_taxonomy_md_matches_the_code() -> None:
    path = Path(__file__).resolve().parent.parent / "docs" / "taxonomy.md"
    assert path.read_text() == taxonomy_markdown(), (
        "regenerate docs/taxonomy.md from taxonomy_markdown()"
    )
