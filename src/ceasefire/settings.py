"""Every setting of ceasefire in one typed object, with its default and help text.

Built at the interface edge (the CLI, later the API) from ``CEASEFIRE_*`` environment
variables and passed inward; nothing creates a settings instance on import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings read from the environment (prefix ``CEASEFIRE_``)."""

    model_config = SettingsConfigDict(env_prefix="CEASEFIRE_", extra="forbid")

    workspace: Path = Field(
        default=Path("workspace"),
        description="Directory holding the store, the loaded agreements and outputs.",
    )
    database_url: str | None = Field(
        default=None,
        description="Store URL; default sqlite:///WORKSPACE/ceasefire.db. PostgreSQL comes later.",
    )
    chunk_rows: int = Field(
        default=100_000, ge=1_000, description="Rows per chunk when reading input files."
    )
    assess_batch: int = Field(
        default=200_000, ge=1_000, description="Observations per zone-engine batch."
    )
    sqlite_synchronous: str = Field(
        default="NORMAL",
        pattern="^(NORMAL|FULL)$",
        description="SQLite synchronous mode in WAL: NORMAL (fast) or FULL (every commit fsynced).",
    )

    ledger_key: Path | None = Field(
        default=None,
        description="Path of the ledger's Ed25519 signing key file (outside any git work tree).",
    )
    ledger_origin: str = Field(
        default="monitoring.example/ceasefire-ledger",
        description="The ledger's origin: the name of the log and of its signing key.",
    )
    ledger_witnesses: Path | None = Field(
        default=None,
        description="File of the witnesses `ceasefire ledger publish` asks to cosign, one "
        "'<URL> <witness vkey>' per line.",
    )
    ledger_witness_quorum: int = Field(
        default=1, ge=1, description="Witness cosignatures a checkpoint needs to be published."
    )

    verify_link_slack_m: float = Field(
        default=250.0,
        ge=0,
        description="Grouping: two located observations are one event when their uncertainty "
        "discs come within this many metres of each other (and their time spans overlap).",
    )
    verify_locate_max_m: float = Field(
        default=10_000.0,
        gt=0,
        description="Grouping: an observation less precise than this (m) corroborates "
        "incidents but never locates or creates one.",
    )
    verify_corroborate_max_m: float = Field(
        default=100_000.0,
        gt=0,
        description="Grouping: a point less precise than this (m) corroborates nothing.",
    )
    verify_tolerances: str = Field(
        default="",
        description="Grouping tolerances per source or source/kind as JSON, overriding the "
        'defaults, e.g. {"field": {"min_radius_m": 50, "time_pad_s": 600}}.',
    )
    verify_margin_hours: float = Field(
        default=48.0,
        ge=0,
        description="Verification reads this many hours before and after the window, so "
        "incidents crossing its edges are grouped whole.",
    )

    def store_url(self) -> str:
        """The store URL, defaulting to a SQLite file inside the workspace."""
        return self.database_url or f"sqlite:///{self.workspace / 'ceasefire.db'}"
