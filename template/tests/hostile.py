"""Hostile values, built per field type: what a client may send that no column may receive.

`refused(field)` holds values of the right JSON type that a database cannot store (NUL,
unpaired surrogates, control characters, strings past their length in 1-, 2- and 4-byte
characters, dates and datetimes past the calendar, integers past 32 bits, decimals past their
precision) and values of the wrong JSON type; each must be answered 422 naming the field.
`kept(field)` holds the extreme values that must be accepted and given back unchanged.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

FOUR_BYTES = "\U0001f600"  # one character, four bytes in UTF-8, 12 bytes as a JSON escape
TWO_BYTES = "\u00e9"
OTHER_SCRIPTS = "Zo\u00eb \u6771\u4eac \u05e9\u05dc\u05d5\u05dd \U0001f469\u200d\U0001f4bb"
WRONG_TYPES = {"a list": ["x"], "an object": {"x": 1}}

# Characters no string field accepts, each placed in an otherwise valid value.
CONTROLS = {
    "NUL": "\x00",
    "an unpaired high surrogate": "\ud800",
    "an unpaired low surrogate": "\udfff",
    "surrogates in the wrong order": "\udc00\ud83d",
    "a bell": "\x07",
    "an escape sequence": "\x1b[31m",
    "a vertical tab": "\x0b",
    "a form feed": "\x0c",
    "DEL": "\x7f",
    "a C1 control (NEL)": "\x85",
    "a C1 control (CSI)": "\x9b",
}
# Accepted by `text` fields only.
LINE_BREAKS = {"a line feed": "\n", "a carriage return": "\r", "a tab": "\t"}


@dataclass(frozen=True)
class FieldSpec:
    """A request field, as its type and options in the resources answer describe it.

    Types: the resource field types (`str`, `text`, `int`, `decimal`, `bool`, `date`,
    `datetime`, `ref`), and `email` and `choice` for account bodies.
    """

    type: str
    required: bool = True
    max_length: int | None = None
    min_length: int = 0
    precision: int | None = None
    scale: int | None = None
    target: str | None = None
    choices: tuple[str, ...] = ()


def refused(field: FieldSpec) -> dict[str, Any]:
    """Every value `field` must refuse, by a label that says what it is."""
    builders = {
        "str": _strings,
        "text": _strings,
        "email": _emails,
        "choice": _choices,
        "int": _integers,
        "decimal": _decimals,
        "bool": _booleans,
        "date": _dates,
        "datetime": _datetimes,
        "ref": _references,
    }
    values = builders[field.type](field)
    values.update(WRONG_TYPES)
    if field.required:
        values["null"] = None
    return values


def kept(field: FieldSpec) -> dict[str, Any]:
    """Extreme values `field` must accept; each comes back as sent (datetimes: in UTC)."""
    if field.type in ("str", "text"):
        assert field.max_length is not None
        values = {
            f"{field.max_length} four-byte characters": FOUR_BYTES * field.max_length,
            f"{field.max_length} two-byte characters": TWO_BYTES * field.max_length,
            "other scripts, joiners and marks": OTHER_SCRIPTS[: field.max_length],
        }
        if field.type == "text":
            values["tabs and line breaks"] = "one\ttwo\nthree\r\nfour"[: field.max_length]
        return values
    if field.type == "int":
        return {"the largest 32-bit integer": 2**31 - 1, "the smallest": -(2**31), "zero": 0}
    if field.type == "decimal":
        assert field.precision is not None and field.scale is not None
        whole = "9" * (field.precision - field.scale) or "0"
        digits = whole + ("." + "9" * field.scale if field.scale else "")
        return {"every digit at nine": digits, "its negative": "-" + digits, "zero": "0"}
    if field.type == "date":
        return {"the first day of year 1": "0001-01-01", "the last day of 9999": "9999-12-31"}
    if field.type == "datetime":
        return {
            "the earliest instant": "0001-01-02T00:00:00+00:00",
            "the earliest instant, ten hours east": "0001-01-02T10:00:00+10:00",
            "the latest instant": "9999-12-30T23:59:59.999999+00:00",
            "the latest instant, ten hours west": "9999-12-30T13:59:59.999999-10:00",
        }
    return {}


def same_value(field: FieldSpec, sent: Any, returned: Any) -> bool:
    """True when `returned` is the value `sent`: the same instant, number or JSON value."""
    if field.type == "datetime":
        return datetime.fromisoformat(returned) == datetime.fromisoformat(sent)
    if field.type == "decimal":
        return Decimal(returned) == Decimal(sent)
    return bool(returned == sent)


def _within(field: FieldSpec, fragment: str) -> str:
    """`fragment` inside a value of an acceptable length, so only the fragment is wrong."""
    value = f"a{fragment}b"
    if field.max_length is not None and len(value) > field.max_length:
        value = fragment[: field.max_length]
    return value.ljust(field.min_length, "x")


def _strings(field: FieldSpec) -> dict[str, Any]:
    assert field.max_length is not None
    over = field.max_length + 1
    characters = CONTROLS if field.type == "text" else CONTROLS | LINE_BREAKS
    values: dict[str, Any] = {label: _within(field, c) for label, c in characters.items()}
    values |= {
        f"{over} characters": "x" * over,
        f"{over} two-byte characters": TWO_BYTES * over,
        f"{over} four-byte characters": FOUR_BYTES * over,
        "a number": 42,
        "true": True,
    }
    if field.min_length > 0:
        values[f"{field.min_length - 1} characters"] = "x" * (field.min_length - 1)
    return values


def _emails(field: FieldSpec) -> dict[str, Any]:
    assert field.max_length is not None
    characters = CONTROLS | LINE_BREAKS
    values: dict[str, Any] = {label: f"erin{c}@example.com" for label, c in characters.items()}
    local = "x" * (field.max_length - len("@example.com") + 1)
    values |= {
        "no @": "erin.example.com",
        "two @": "erin@@example.com",
        "an empty string": "",
        f"{field.max_length + 1} characters": local + "@example.com",
        "a number": 42,
    }
    return values


def _choices(field: FieldSpec) -> dict[str, Any]:
    first = field.choices[0]
    return {
        "another word": "superuser",
        "upper case": first.upper(),
        "a NUL after a choice": first + "\x00",
        "an unpaired surrogate": first + "\ud800",
        "an empty string": "",
        "a number": 1,
    }


def _integers(field: FieldSpec) -> dict[str, Any]:
    return {
        "2**31": 2**31,
        "-(2**31) - 1": -(2**31) - 1,
        "2**63": 2**63,
        "2**64": 2**64,
        "10**30": 10**30,
        "a string of digits": "12",
        "a fraction": 1.5,
        "a float without a fraction": 1.0,
        "an exponent": 1e10,
        "infinity": math.inf,
        "NaN": math.nan,
        "true": True,
        "false": False,
    }


def _decimals(field: FieldSpec) -> dict[str, Any]:
    assert field.precision is not None and field.scale is not None
    one_too_many = "1" + "0" * (field.precision - field.scale)
    values: dict[str, Any] = {
        "one digit too many before the point": one_too_many,
        "its negative": "-" + one_too_many,
        "one digit too many after the point": "1." + "1" * (field.scale + 1),
        "NaN": "NaN",
        "Infinity": "Infinity",
        "-Infinity": "-Infinity",
        "an exponent": "1e3",
        "a plus sign": "+1",
        "a leading point": ".5",
        "a trailing point": "5.",
        "a comma": "1,5",
        "spaces": " 1 ",
        "a trailing line feed": "1\n",
        "a NUL": "1\x00",
        "an unpaired surrogate": "1\ud800",
        "non-ASCII digits": "\u0661\u0662",
        "a JSON number": 1.5,
        "a JSON integer": 1,
        "an empty string": "",
        "true": True,
    }
    return values


def _booleans(field: FieldSpec) -> dict[str, Any]:
    return {"a string": "true", "one": 1, "zero": 0, "yes": "yes", "a NUL": "\x00"}


def _dates(field: FieldSpec) -> dict[str, Any]:
    return {
        "February 30th": "2026-02-30",
        "day first": "31/01/2026",
        "year 0": "0000-12-31",
        "year 10000": "10000-01-01",
        "a negative year": "-0001-01-01",
        "a datetime": "2026-01-31T00:00:00+00:00",
        "a trailing line feed": "2026-01-31\n",
        "a NUL": "2026-01-31\x00",
        "an unpaired surrogate": "2026-01-31\ud800",
        "a word": "yesterday",
        "an empty string": "",
        "a number": 20260131,
        "true": True,
    }


def _datetimes(field: FieldSpec) -> dict[str, Any]:
    return {
        "no offset (naive)": "2026-01-31T12:30:00",
        "a date alone": "2026-01-31",
        "before year 1 in UTC": "0001-01-01T00:00:00+01:00",
        "after year 9999 in UTC": "9999-12-31T23:59:59-01:00",
        "the first day of year 1": "0001-01-01T12:00:00+00:00",
        "a day before the earliest instant, in another zone": "0001-01-02T09:00:00+10:00",
        "the last day of 9999": "9999-12-31T00:00:00+00:00",
        "past the latest instant, in another zone": "9999-12-30T14:00:00-10:00",
        "February 30th": "2026-02-30T12:00:00+00:00",
        "hour 24": "2026-01-31T24:00:00+00:00",
        "a leap second": "2026-01-31T23:59:60+00:00",
        "an offset of 24 hours": "2026-01-31T12:00:00+24:00",
        "a NUL": "2026-01-31T12:00:00+00:00\x00",
        "an unpaired surrogate": "2026-01-31T12:00:00\ud800+00:00",
        "a word": "yesterday",
        "an empty string": "",
        "a Unix timestamp": 1769862600,
        "true": True,
    }


def _references(field: FieldSpec) -> dict[str, Any]:
    return {
        "not a UUID": "not-a-uuid",
        "a NUL": "\x00",
        "an unpaired surrogate": "\ud800",
        "an empty string": "",
        "an integer key": 1,
        "true": True,
    }
