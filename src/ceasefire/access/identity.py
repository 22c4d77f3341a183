"""Who is calling: roles, principals and API tokens (no web framework here).

A token is ``cf_`` followed by 43 URL-safe characters (``secrets.token_urlsafe(32)``, 256
bits). It is shown once when made and stored only as its SHA-256: a token that random needs
no slow key-derivation function, and a per-request argon2 would cap the API's throughput.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

TOKEN_PREFIX = "cf_"
_TOKEN_CHARS = 43  # len(secrets.token_urlsafe(32))


class Role(StrEnum):
    """The roles of the mechanism (docs/api.md has what each may see and do)."""

    MONITOR = "monitor"
    ANALYST = "analyst"
    CHIEF = "chief"
    LIAISON = "liaison"
    GUARANTOR = "guarantor"
    PUBLIC = "public"


# Roles whose principal speaks for a party: a belligerent (liaison) or a guarantor state.
PARTY_ROLES = frozenset({Role.LIAISON, Role.GUARANTOR})
# Roles that see the mission's whole record.
MISSION_ROLES = frozenset({Role.ANALYST, Role.CHIEF})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request: a user with a role, and for party roles, the party's code."""

    user_id: str
    name: str
    role: Role
    party: str | None = None


PUBLIC = Principal(user_id="public", name="public", role=Role.PUBLIC, party=None)
"""The principal of every request without a token."""


def new_token() -> str:
    """A fresh API token (shown once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_like_token(text: str) -> bool:
    """Whether ``text`` has a token's shape (checked before any lookup)."""
    body = text.removeprefix(TOKEN_PREFIX)
    return (
        text.startswith(TOKEN_PREFIX)
        and len(body) == _TOKEN_CHARS
        and all(c.isalnum() or c in "-_" for c in body)
    )


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Constant-time comparison of two token hashes."""
    return hmac.compare_digest(a.encode(), b.encode())
