"""Field types shared by resource schemas: no input the database cannot store exactly.

Each field is documented in OpenAPI as it is sent: a decimal is a string, a boolean is
`true` or `false`, and input of any other JSON type is refused.
"""

import re
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

INT32 = validate.Range(min=-(2**31), max=2**31 - 1)
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_DECIMAL = re.compile(DECIMAL_PATTERN)


class PublicRef(Schema):
    """A reference to another object, written as its public id."""

    id = fields.UUID(attribute="public_id")


def bounded_int(**kwargs: Any) -> fields.Integer:
    """An integer that fits a 32-bit column; strings and floats are refused."""
    return fields.Integer(strict=True, validate=INT32, **kwargs)


class DecimalString(fields.Decimal):
    """A decimal written as a JSON string of digits ("12.50"): no digit is lost to a float."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
        super().__init__(as_string=True, metadata=metadata | kwargs.pop("metadata", {}), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or not _DECIMAL.match(value):
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

    Extra decimal places are refused rather than rounded away.
    """
    limit = Decimal(10) ** (precision - scale)

    def fits(value: Decimal) -> None:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -scale:
            raise ValidationError(f"At most {scale} digits after the decimal point.")
        if not -limit < value < limit:
            raise ValidationError(f"Must be greater than -{limit} and less than {limit}.")

    return DecimalString(validate=fits, **kwargs)
