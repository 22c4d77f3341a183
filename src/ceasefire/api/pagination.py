"""Cursor pagination: ``{"items": [...], "next_cursor": "<opaque>" | null}``.

A cursor is the sort key of the last item returned, as URL-safe base64 of JSON; a cursor
that does not decode, or does not fit the list, is a 422 naming ``query.cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from ceasefire.errors import InputError

T = TypeVar("T")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = None


class CursorError(InputError):
    """The cursor does not come from this list."""

    field = "query.cursor"


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The key a cursor holds, checked against the types of the sort key."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise CursorError("query.cursor: not a cursor of this list") from None
    if (
        not isinstance(key, list)
        or len(key) != len(kinds)
        or not all(type(v) is k for v, k in zip(key, kinds, strict=True))
    ):
        raise CursorError("query.cursor: not a cursor of this list")
    return key


def paginate(
    items: Sequence[T],
    key: Callable[[T], tuple[Any, ...]],
    limit: int,
    cursor: str | None,
) -> Page[T]:
    """The page of ``items``, in ``key`` order, after ``cursor``.

    Sorted here rather than trusted to arrive sorted: a list in any other order would make
    the cursor skip or repeat items (seen with /reports, listed in ledger order)."""
    rows = sorted(items, key=key)
    if cursor is not None:
        kinds = [type(v) for v in key(rows[0])] if rows else None
        if kinds is None:
            return Page[T](items=[], next_cursor=None)
        after = tuple(decode_cursor(cursor, kinds))
        rows = [r for r in rows if key(r) > after]
    page = rows[:limit]
    more = len(rows) > limit
    return Page[T](items=page, next_cursor=encode_cursor(key(page[-1])) if more else None)
