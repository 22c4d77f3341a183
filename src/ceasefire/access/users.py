"""API users and what a user store and an audit log must offer (adapters in ``store/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ceasefire.access.identity import PARTY_ROLES, Principal, Role
from ceasefire.errors import InputError

_PARTY = re.compile(r"^[A-Z]{2,3}$")


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as listed (the token itself is never kept)."""

    user_id: str
    name: str
    role: Role
    party: str | None
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def principal(self) -> Principal:
        return Principal(self.user_id, self.name, self.role, self.party)


def checked_user(name: str, role: str, party: str | None) -> tuple[str, Role, str | None]:
    """Validate a new user's name, role and party; return them normalised."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("--name: give a name of 1 to 200 characters")
    try:
        parsed = Role(role)
    except ValueError:
        raise InputError(
            f"--role: unknown role {role!r}; roles: {', '.join(r.value for r in Role)}"
        ) from None
    if parsed is Role.PUBLIC:
        raise InputError("--role: the public needs no token (requests without one are public)")
    if parsed in PARTY_ROLES:
        if party is None or not _PARTY.match(party.strip().upper()):
            raise InputError(
                f"--party: a {parsed.value} speaks for a party; give its code (e.g. UA, RU)"
            )
        return name, parsed, party.strip().upper()
    if party is not None:
        raise InputError(f"--party: only liaison and guarantor users have a party, not {parsed}")
    return name, parsed, None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited request: who, what, when."""

    at: datetime
    user_id: str
    role: str
    party: str | None
    action: str  # "METHOD /route/{template}"
    target: str  # the path as called
    params: dict[str, Any]
    status: int
    id: int = 0


@dataclass(frozen=True, slots=True)
class AuditQuery:
    since: datetime | None = None
    until: datetime | None = None
    user: str | None = None
    action: str | None = None  # a substring of the action, e.g. "/findings"
    after_id: int = 0
    limit: int = 100


class UserRepository(Protocol):
    def add_user(self, name: str, role: str, party: str | None) -> tuple[UserRecord, str]: ...
    def users(self) -> list[UserRecord]: ...
    def revoke(self, user_id: str) -> UserRecord: ...
    def principal_for_token(self, token: str) -> Principal | None: ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    def flush(self) -> None: ...
    def entries(self, query: AuditQuery) -> list[AuditEntry]: ...
