"""The whole error tree of ceasefire, under one root.

Every error carries a stable ``code`` (for programs) and a message that is safe to show
to any user (for people). Interfaces (CLI, API) catch ``CeasefireError`` once; nothing
else in the package should turn errors into exit codes or HTTP statuses.
"""

from __future__ import annotations

from pathlib import Path


class CeasefireError(Exception):
    """Root of every error the package raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- the agreement -------------------------------------------------------------------


class AgreementError(CeasefireError):
    """The agreement files are missing, malformed or inconsistent."""

    code = "agreement_invalid"

    def __init__(self, file: str | Path, key_path: str, reason: str) -> None:
        self.file = str(file)
        self.key_path = key_path
        self.reason = reason
        where = f"{self.file}: {key_path}" if key_path else self.file
        super().__init__(f"{where}: {reason}")


class AgreementErrors(CeasefireError):
    """Several agreement problems found in one validation pass, reported together."""

    code = "agreement_invalid"

    def __init__(self, problems: list[AgreementError]) -> None:
        self.problems = problems
        lines = [str(p) for p in problems]
        summary = f"{len(problems)} problem(s) in the agreement"
        super().__init__(summary + ":\n  " + "\n  ".join(lines))


class GeometryError(CeasefireError):
    """A geometry cannot be used: invalid ring, self-intersection, empty, not lon/lat."""

    code = "geometry_invalid"


# --- input ---------------------------------------------------------------------------


class InputError(CeasefireError):
    """Input cannot be taken in."""

    code = "input_invalid"


class UnreadableInputError(InputError):
    """A whole file cannot be read: missing, wrong encoding, wrong format, no header."""

    code = "input_unreadable"

    def __init__(self, file: str | Path, reason: str) -> None:
        self.file = str(file)
        self.reason = reason
        super().__init__(f"{self.file}: {reason}")


class UnknownSourceError(InputError):
    """No source adapter is registered under the given name."""

    code = "source_unknown"


class MalformedRecordError(InputError):
    """One record of a file is unusable; carries where it is and which field is wrong."""

    code = "record_malformed"

    def __init__(self, file: str | Path, row: int, field: str, reason: str) -> None:
        self.file = str(file)
        self.row = row
        self.field = field
        self.reason = reason
        super().__init__(f"{self.file}:{row}: {field}: {reason}")


# --- storage -------------------------------------------------------------------------


class StoreError(CeasefireError):
    """The store failed or is in a state we cannot work with."""

    code = "store_error"


class NotFoundError(StoreError):
    """The thing asked for does not exist."""

    code = "not_found"


class ConflictError(StoreError):
    """The write contradicts what is already stored."""

    code = "conflict"


class SchemaVersionError(StoreError):
    """The store's schema is newer than this program, or cannot be migrated."""

    code = "schema_version"


# --- access --------------------------------------------------------------------------


class AccessDeniedError(CeasefireError):
    """The caller's role does not allow this."""

    code = "access_denied"
