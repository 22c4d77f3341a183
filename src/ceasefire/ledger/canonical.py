"""RFC 8785 JSON Canonicalization Scheme (JCS): one byte string per JSON value.

The ledger hashes records, so two honest programs must turn the same record into the same
bytes. JCS fixes every free choice of JSON: no whitespace; object members sorted by their
names as UTF-16 code units; strings escaped minimally; numbers written as ECMAScript's
``Number.prototype.toString`` writes an IEEE 754 double; the result encoded in UTF-8.

>>> canonicalize({"b": [1, 2.50, None], "a": "€", "c": True}).decode()
'{"a":"€","b":[1,2.5,null],"c":true}'
>>> canonicalize(1e21), canonicalize(1e-7), canonicalize(-0.0)
(b'1e+21', b'1e-7', b'0')

Values JCS cannot represent are refused rather than guessed: NaN and the infinities,
integers outside the I-JSON safe range (beyond 2**53 - 1 a double cannot hold them all),
non-string object keys, strings with lone surrogates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TypeAlias

from ceasefire.ledger.errors import CanonicalizationError

JSONValue: TypeAlias = (
    None | bool | int | float | str | Sequence["JSONValue"] | Mapping[str, "JSONValue"]
)

#: The I-JSON (RFC 7493) safe range: every integer in it is exactly one double.
MAX_SAFE_INTEGER = 2**53 - 1

# Python's own string encoder escapes exactly what JCS escapes (", \, and the controls
# below U+0020, with the short forms \b \f \n \r \t and lowercase \u00xx otherwise) and
# leaves everything else as is when ensure_ascii is off.
_encode_string = json.JSONEncoder(ensure_ascii=False).encode


def canonicalize(value: JSONValue) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of ``value``.

    Accepts ``None``, ``bool``, ``int``, ``float``, ``str``, lists/tuples and mappings with
    string keys, nested. Raises ``CanonicalizationError`` for anything else.
    """
    parts: list[str] = []
    _write(value, parts, "$")
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalizationError(
            f"string contains a lone surrogate (U+{ord(exc.object[exc.start]):04X})"
        ) from None


def canonicalize_text(text: str | bytes) -> bytes:
    """Parse JSON text strictly and return its canonical bytes.

    Duplicate member names, NaN and the infinities are refused; every number is read as an
    IEEE 754 double, as RFC 8785 requires (an integer is kept exact while it is safe).

    >>> canonicalize_text('{"numbers": [1E30, 4.50, 2e-3, 0.000000000000000000000000001]}')
    b'{"numbers":[1e+30,4.5,0.002,1e-27]}'
    """
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_parse_int,
        )
    except CanonicalizationError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise CanonicalizationError(f"not valid JSON: {exc}") from None
    return canonicalize(value)


def format_number(value: float) -> str:
    """Write a double as ECMAScript's ``Number.prototype.toString`` does (ECMA-262 7.1.12.1).

    Python's ``repr`` already gives the shortest digit string that reads back as the same
    double, choosing the closest one on ties, as ECMAScript requires; only the layout
    (where the point goes, when to switch to an exponent) differs, and is done here.

    >>> [format_number(x) for x in (0.1, 100.0, 1e21, 123e-20, 5e-324, 2.0**60)]
    ['0.1', '100', '1e+21', '1.23e-18', '5e-324', '1152921504606847000']
    """
    if not math.isfinite(value):
        raise CanonicalizationError(f"{value!r} has no JSON representation")
    if value == 0:
        return "0"  # also for -0.0, as ECMAScript does
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len(digit_tuple) - len(digits)  # the stripped zeros
    # value = 0.<digits> * 10**n, with k significant digits (ECMAScript's k and n)
    k = len(digits)
    n = k + exponent
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _utf16_key(name: str) -> bytes:
    # Big-endian UTF-16 compares bytewise exactly as its code units compare.
    return name.encode("utf-16-be", "surrogatepass")


def _write(value: JSONValue, out: list[str], path: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            out.append(str(value))
        else:
            raise CanonicalizationError(
                f"{path}: integer {value} is outside the safe range ±(2**53 - 1); "
                "send it as a string"
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CanonicalizationError(f"{path}: {value!r} has no JSON representation")
        out.append(format_number(value))
    elif isinstance(value, Mapping):
        for name in value:
            if not isinstance(name, str):
                raise CanonicalizationError(f"{path}: object key {name!r} is not a string")
        out.append("{")
        for i, name in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(_encode_string(name))
            out.append(":")
            _write(value[name], out, f"{path}.{name}")
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, f"{path}[{i}]")
        out.append("]")
    else:
        raise CanonicalizationError(f"{path}: {type(value).__name__} is not a JSON value")


def _no_duplicates(pairs: list[tuple[str, JSONValue]]) -> dict[str, JSONValue]:
    result: dict[str, JSONValue] = {}
    for name, item in pairs:
        if name in result:
            raise CanonicalizationError(f"duplicate member name {name!r}")
        result[name] = item
    return result


def _no_constant(name: str) -> float:
    raise CanonicalizationError(f"{name} is not a JSON number")


def _parse_int(text: str) -> int | float:
    number = int(text)
    return number if abs(number) <= MAX_SAFE_INTEGER else float(text)
