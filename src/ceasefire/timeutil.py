"""Time handling: everything inside ceasefire is a timezone-aware UTC datetime.

Sources that report local time (Kyiv, Moscow) are converted here, explicitly and with the
zone database, so daylight-saving changes are handled rather than guessed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

KYIV = ZoneInfo("Europe/Kyiv")
MOSCOW = ZoneInfo("Europe/Moscow")


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive datetime is refused rather than guessed.

    >>> ensure_utc(datetime(2025, 4, 19, 18, 0, tzinfo=KYIV)).isoformat()
    '2025-04-19T15:00:00+00:00'
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
    return value.astimezone(UTC)


def parse_utc(text: str) -> datetime:
    """Parse an ISO 8601 timestamp that states its offset (``Z`` or ``+HH:MM``) into UTC.

    >>> parse_utc("2025-04-19T15:00:00Z").isoformat()
    '2025-04-19T15:00:00+00:00'
    >>> parse_utc("2022-03-15 16:10:34+00:00").isoformat()
    '2022-03-15T16:10:34+00:00'
    """
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return ensure_utc(value)


def local_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach a local zone to a naive wall-clock time and convert it to UTC.

    Kyiv is UTC+2 in winter and UTC+3 in summer:

    >>> local_to_utc(datetime(2023, 1, 6, 12, 0), KYIV).isoformat()
    '2023-01-06T10:00:00+00:00'
    >>> local_to_utc(datetime(2023, 7, 6, 12, 0), KYIV).isoformat()
    '2023-07-06T09:00:00+00:00'
    """
    if naive.tzinfo is not None:
        raise ValueError("expected a naive wall-clock time")
    return naive.replace(tzinfo=zone).astimezone(UTC)


def day_start_utc(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def to_epoch_us(value: datetime) -> int:
    """Microseconds since the Unix epoch for an aware datetime (the store's time unit)."""
    value = ensure_utc(value)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(value: int) -> datetime:
    """The aware UTC datetime for microseconds since the Unix epoch."""
    seconds, micros = divmod(int(value), 1_000_000)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micros)
