"""RFC 8785 canonical JSON: the RFC's own examples, V8 as a reference, and invariants."""

from __future__ import annotations

import json
import math
import random
import shutil
import struct
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.ledger.canonical import (
    MAX_SAFE_INTEGER,
    JSONValue,
    canonicalize,
    canonicalize_text,
    format_number,
)
from ceasefire.ledger.errors import CanonicalizationError

# RFC 8785, Appendix B: IEEE 754 binary64 values (hex) and their ECMAScript form.
# https://www.rfc-editor.org/rfc/rfc8785#appendix-B
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]
# Appendix B's values with no JSON form.
APPENDIX_B_REFUSED = ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"]


def from_bits(hex_bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(hex_bits))[0]
    return value


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_appendix_b_numbers(bits: str, expected: str) -> None:
    assert format_number(from_bits(bits)) == expected
    assert canonicalize(from_bits(bits)) == expected.encode()


@pytest.mark.parametrize("bits", APPENDIX_B_REFUSED)
def test_appendix_b_non_finite_refused(bits: str) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize([from_bits(bits)])


def test_rfc_section_3_2_2_example() -> None:
    # RFC 8785 section 3.2.2 (input) and 3.2.3/3.2.4 (output).
    text = (
        '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n'
        '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n'
        '  "literals": [null, true, false]\n}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonicalize_text(text) == expected.encode("utf-8")


def test_rfc_section_3_2_3_sorting() -> None:
    # RFC 8785 section 3.2.3: members sorted by UTF-16 code units, not code points:
    # U+1F600 (surrogates D83D DE00) sorts before U+FB33.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    out = json.loads(canonicalize(value))
    assert list(out.values()) == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, "{}"),
        ([], "[]"),
        ("", '""'),
        ({"a": {"c": 1, "b": 2}}, '{"a":{"b":2,"c":1}}'),
        ("\u2028\u007f\u001f\b\t", '"\u2028\u007f\\u001f\\b\\t"'),
        ((1, 2.0, -0.0), "[1,2,0]"),
        (MAX_SAFE_INTEGER, "9007199254740991"),
        (-MAX_SAFE_INTEGER, "-9007199254740991"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (0.1 + 0.2, "0.30000000000000004"),
        (True, "true"),
        (None, "null"),
    ],
)
def test_cases(value: JSONValue, expected: str) -> None:
    assert canonicalize(value) == expected.encode()


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        -float("inf"),
        MAX_SAFE_INTEGER + 1,
        -(2**64),
        {1: "x"},
        {"a": {None: 1}},
        b"bytes",
        {"s": {1, 2}},
        "\ud800",
        ["ok", "lone \udfff"],
    ],
)
def test_refused(value: object) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ['{"a":1,"a":2}', "[NaN]", "[Infinity]", "[-Infinity]", "1e400", "[1,]", "{", '"\\ud800"'],
)
def test_text_refused(text: str) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize_text(text)


def test_text_large_integers_are_doubles() -> None:
    # RFC 8785 reads every number as a double; beyond 2**53 the integer is rounded.
    assert canonicalize_text("[10000000000000000001, 9007199254740993]") == (
        b"[10000000000000000000,9007199254740992]"
    )


@pytest.mark.skipif(shutil.which("node") is None, reason="node (V8) is not installed")
def test_numbers_match_v8() -> None:
    # RFC 8785 names V8's JSON.stringify as the reference for number serialisation.
    rng = random.Random(8785)
    values = [from_bits(bits) for bits, _ in APPENDIX_B]
    while len(values) < 20_000:
        value = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
        if math.isfinite(value):
            values.append(value)
    values += [rng.uniform(-1e6, 1e6) for _ in range(2_000)]
    values += [float(rng.randint(-(2**60), 2**60)) for _ in range(2_000)]
    script = (
        "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(v.map(h => JSON.stringify("
        "Buffer.from(h, 'hex').readDoubleBE(0)))));"
    )
    hexes = [struct.pack(">d", v).hex() for v in values]
    result = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(hexes),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    expected = json.loads(result.stdout)
    mismatches = [
        (h, format_number(v), e)
        for h, v, e in zip(hexes, values, expected, strict=True)
        if format_number(v) != e
    ]
    assert mismatches == []


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_read_back_exactly(value: float) -> None:
    text = format_number(value)
    assert float(text) == value
    assert json.loads(text, parse_int=float) == value


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


@given(json_values)
def test_canonical_form_is_a_fixed_point(value: JSONValue) -> None:
    out = canonicalize(value)
    # Read numbers as doubles, as RFC 8785 does ("62739684566381870" is a double here).
    assert json.loads(out, parse_int=float) == value
    # Any JSON spelling of the same value canonicalises to the same bytes.
    assert canonicalize_text(out) == out
    assert canonicalize_text(json.dumps(value, indent=2, ensure_ascii=True)) == out


@given(st.dictionaries(st.text(max_size=6), st.integers(0, 9), max_size=8), st.randoms())
def test_member_order_does_not_matter(value: dict[str, int], rng: random.Random) -> None:
    items = list(value.items())
    rng.shuffle(items)
    assert canonicalize(dict(items)) == canonicalize(value)
