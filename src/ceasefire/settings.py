"""Every setting of ceasefire in one typed object, with its default and help text.

Built at the interface edge (the CLI, later the API) from ``CEASEFIRE_*`` environment
variables and passed inward; nothing creates a settings instance on import.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SECONDS = re.compile(r"\s*\d+(?:\.\d+)?\s*")


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
    ledger_checkpoint_every: float = Field(
        default=0.0,
        ge=0,
        description="`ceasefire serve` signs and stores a ledger checkpoint at startup and then "
        "this often: seconds, or a duration like `--every` takes (30s, 15m, 1h); 0 (the "
        "default) turns it off. Needs the key CEASEFIRE_LEDGER_KEY.",
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

    api_host: str = Field(
        default="127.0.0.1",
        description="Address `ceasefire serve` listens on (loopback by default; put a TLS "
        "reverse proxy in front to serve others).",
    )
    api_port: int = Field(default=8000, ge=0, le=65535, description="Port of `ceasefire serve`.")
    api_max_body_bytes: int = Field(
        default=1_048_576,
        ge=1_024,
        description="Largest request body the API accepts (bytes); larger ones get 413.",
    )
    api_max_upload_bytes: int = Field(
        default=52_428_800,
        ge=1_024,
        description="Largest body of an evidence upload (POST /api/v1/evidence), in bytes.",
    )
    api_rate_per_s: float = Field(
        default=50.0,
        ge=0,
        description="Requests per second allowed per token (per client address without one), "
        "refilling a token bucket; 0 turns rate limiting off.",
    )
    api_rate_burst: int = Field(
        default=200, ge=1, description="Size of each token bucket: the burst allowed at once."
    )
    api_token_cache_s: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="The API remembers a live token's user this many seconds, so a revoked "
        "token is refused at most this long after `ceasefire users revoke`; 0 looks every "
        "token up on every request.",
    )
    public_delay_hours: float = Field(
        default=72.0,
        ge=0,
        description="The public sees a finding or report only this many hours after it happened.",
    )
    public_grid_m: float = Field(
        default=10_000.0,
        gt=0,
        description="The public sees locations snapped to the centre of a grid cell of this "
        "size (metres, in the metric projection).",
    )

    submit_batch_max: int = Field(
        default=256,
        ge=1,
        le=10_000,
        description="Submissions: most field reports one group commit (one transaction, one "
        "fsync) holds.",
    )
    submit_batch_wait_ms: float = Field(
        default=2.0,
        ge=0,
        le=1_000,
        description="Submissions: how long the writer waits for more reports after the first "
        "of a batch before committing (ms); batches also grow by themselves under load.",
    )
    submit_queue_max: int = Field(
        default=10_000,
        ge=1,
        description="Submissions: reports that may wait for the writer; beyond it the API "
        "answers 429 with Retry-After.",
    )

    warning_history_days: int = Field(
        default=365,
        ge=60,
        description="Early warning: days of the store's history `issue_warnings` fits its "
        "model on (the days just before the warning day).",
    )
    warning_min_probability: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Early warning: a warning is issued only when its probability is at least "
        "this, and at least the threshold fitted for one false alarm per area per 30 days.",
    )

    warning_levels: str = Field(
        default="national,oblast,cell",
        pattern=r"^\s*(national|oblast|cell)(\s*,\s*(national|oblast|cell))*\s*$",
        description="Early warning: the levels `issue_warnings` (and the replay) issue for, "
        "comma-separated: `national` (the whole country), `oblast`, `cell` (25 km cells with "
        "any activity in the history window).",
    )

    @field_validator("ledger_checkpoint_every", mode="before")
    @classmethod
    def _interval(cls, value: object) -> object:
        """A bare number is seconds; anything else is read as ``--every`` reads it."""
        if isinstance(value, str) and not _SECONDS.fullmatch(value):
            from ceasefire.errors import InputError
            from ceasefire.ledger_ops import parse_interval

            try:
                return parse_interval(value)
            except InputError as exc:
                raise ValueError(exc.message) from None
        return value

    def store_url(self) -> str:
        """The store URL, defaulting to a SQLite file inside the workspace."""
        return self.database_url or f"sqlite:///{self.workspace / 'ceasefire.db'}"
