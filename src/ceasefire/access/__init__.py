"""Who may see and do what: roles, principals, tokens, and the one access policy.

No web framework here: ``ceasefire.api`` turns these into HTTP answers.
"""

from __future__ import annotations

from ceasefire.access.identity import PUBLIC, Principal, Role, hash_token, new_token

__all__ = ["PUBLIC", "Principal", "Role", "hash_token", "new_token"]
