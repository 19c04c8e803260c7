"""Field types shared by request schemas: no input the database cannot store exactly.

Whatever JSON a client sends, a field either yields a value that SQLite and PostgreSQL both
store and give back unchanged, or refuses it with a message (422, naming the field):

- strings refuse NUL, unpaired UTF-16 surrogates and every other control character (C0, DEL
  and C1); `text` still accepts tab, line feed and carriage return. Lengths count characters;
- integers fit a 32-bit column; JSON strings, floats and booleans are refused;
- decimals are JSON strings of digits with at most the column's precision and scale;
- booleans are `true` or `false` only;
- dates are ISO 8601 dates of the years 1 to 9999;
- datetimes carry a UTC offset, and their instant in UTC lies between 0001-01-02 and
  9999-12-30: one day inside the years 1 to 9999, so that the database can give the value back
  in any session time zone.

Each field is documented in OpenAPI as it is sent: a decimal is a string, a boolean is
`true` or `false`, and input of any other JSON type is refused.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate

INT32 = validate.Range(min=-(2**31), max=2**31 - 1)
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")

# Control characters (C0, DEL, C1) and surrogates: no database stores them as text.
LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
TEXT_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

EARLIEST_UTC = datetime(1, 1, 2, tzinfo=UTC)
LATEST_UTC = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)


class PublicRef(Schema):
    """A reference to another object, written as its public id."""

    id = fields.UUID(attribute="public_id")


def storable(value: str, forbidden: re.Pattern[str]) -> str:
    """`value`, or a ValidationError naming the first character no column may hold."""
    found = forbidden.search(value)
    if found is not None:
        kind = "an unpaired surrogate" if 0xD800 <= ord(found.group()) <= 0xDFFF else "a control"
        raise ValidationError(
            f"Contains {kind} character (U+{ord(found.group()):04X} at position {found.start()})."
        )
    return value


class StorableString(fields.String):
    """A string that every supported database stores as sent: `forbidden` is refused.

    Its OpenAPI `pattern` says the same for the control characters; unpaired surrogates
    cannot be written in a JSON Schema pattern, and no valid UTF-8 text holds them.
    """

    forbidden: ClassVar[re.Pattern[str]]
    pattern: ClassVar[str]

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": self.pattern} | kwargs.pop("metadata", {})
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return storable(super()._deserialize(value, attr, data, **kwargs), self.forbidden)


class SingleLine(StorableString):
    """One line of text: no control character, not even a line break or a tab."""

    forbidden = LINE_FORBIDDEN
    pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"


class MultiLine(StorableString):
    """Text that may hold tabs and line breaks (LF, CR), and no other control character."""

    forbidden = TEXT_FORBIDDEN
    pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"


class EmailAddress(fields.Email):
    """An email address, held to the rule of `SingleLine`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return storable(super()._deserialize(value, attr, data, **kwargs), LINE_FORBIDDEN)


def bounded_str(min_length: int, max_length: int, **kwargs: Any) -> fields.String:
    """One line of `min_length` to `max_length` characters (a `VARCHAR(max_length)`)."""
    return SingleLine(validate=validate.Length(min_length, max_length), **kwargs)


def bounded_text(max_length: int, **kwargs: Any) -> fields.String:
    """Text of at most `max_length` characters, line breaks and tabs included."""
    return MultiLine(validate=validate.Length(max=max_length), **kwargs)


def bounded_int(**kwargs: Any) -> fields.Integer:
    """An integer that fits a 32-bit column; strings and floats are refused."""
    return fields.Integer(strict=True, validate=INT32, **kwargs)


class DecimalString(fields.Decimal):
    """A decimal written as a JSON string of digits ("12.50"): no digit is lost to a float."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
        super().__init__(as_string=True, metadata=metadata | kwargs.pop("metadata", {}), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
            raise ValidationError('Not a valid decimal: send a string of digits, like "12.50".')
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """`true` or `false` only; 1, 0, "yes" and the like are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def strict_bool(**kwargs: Any) -> fields.Boolean:
    """A boolean field that accepts only JSON `true` and `false`."""
    return StrictBoolean(**kwargs)


def bounded_decimal(precision: int, scale: int, **kwargs: Any) -> fields.Decimal:
    """A decimal with at most `precision` digits, `scale` of them after the point.

    Extra decimal places are refused rather than rounded away. The OpenAPI `pattern` says the
    same in digits: leading zeros aside, `precision - scale` before the point, `scale` after.
    """
    limit = Decimal(10) ** (precision - scale)
    whole = f"0*[0-9]{{1,{precision - scale}}}" if precision > scale else "0+"
    fraction = f"(\\.[0-9]{{1,{scale}}})?" if scale else ""
    pattern = f"^-?{whole}{fraction}$"

    def fits(value: Decimal) -> None:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -scale:
            raise ValidationError(f"At most {scale} digits after the decimal point.")
        if not -limit < value < limit:
            raise ValidationError(f"Must be greater than -{limit} and less than {limit}.")

    metadata = {"pattern": pattern} | kwargs.pop("metadata", {})
    return DecimalString(validate=fits, metadata=metadata, **kwargs)


def _iso_text(value: Any) -> Any:
    """Refuse control characters before parsing: Python's ISO parser stops at a NUL."""
    return storable(value, LINE_FORBIDDEN) if isinstance(value, str) else value


class BoundedDate(fields.Date):
    """An ISO date of the years 1 to 9999, all of which every supported database stores."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        return super()._deserialize(_iso_text(value), attr, data, **kwargs)


def bounded_date(**kwargs: Any) -> fields.Date:
    """An ISO 8601 date, such as "2026-01-31"."""
    return BoundedDate(**kwargs)


class BoundedDateTime(fields.AwareDateTime):
    """A datetime with a UTC offset (a naive one is refused), given back in UTC.

    Its instant must lie between EARLIEST_UTC and LATEST_UTC: a value at the very edge of the
    calendar would leave it when shown in a session time zone on the other side of UTC.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed = super()._deserialize(_iso_text(value), attr, data, **kwargs)
        try:
            instant = parsed.astimezone(UTC)
        except OverflowError:
            instant = None
        if instant is None or not EARLIEST_UTC <= instant <= LATEST_UTC:
            raise ValidationError(
                f"Must lie between {EARLIEST_UTC.isoformat()} and {LATEST_UTC.isoformat()}."
            )
        return instant


def bounded_datetime(**kwargs: Any) -> fields.AwareDateTime:
    """A timezone-aware datetime that every supported database stores and gives back."""
    return BoundedDateTime(**kwargs)
