"""Field types shared by resource schemas: no input the database cannot store exactly."""

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

INT32 = validate.Range(min=-(2**31), max=2**31 - 1)


class PublicRef(Schema):
    """A reference to another object, written as its public id."""

    id = fields.UUID(attribute="public_id")


def bounded_int(**kwargs: Any) -> fields.Integer:
    """An integer that fits a 32-bit column; strings and floats are refused."""
    return fields.Integer(strict=True, validate=INT32, **kwargs)


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

    return fields.Decimal(as_string=True, validate=fits, **kwargs)
