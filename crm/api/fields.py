"""marshmallow fields for the API: strict, database-safe, with messages errors.py translates.

Every string refuses NUL and unpaired surrogates (PostgreSQL cannot store
them), every integer and date stays in the range the databases hold, money is
a decimal string, and datetimes carry an offset.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import marshmallow as ma
from marshmallow import ValidationError, validate

INT_MAX = 2**31 - 1
MIN_YEAR, MAX_YEAR = 1900, 2999
DECIMAL_PATTERN = r"^-?[0-9]{1,13}(\.[0-9]{1,6})?$"


NO_NUL = r"^[^\u0000]*$"  # JSON Schema / ECMAScript: any text without a NUL character


def _clean_text(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("Text contains characters that are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Text contains characters that are not allowed.") from None


class String(ma.fields.String):
    """Text; ``max_length`` adds the column's limit (and documents it)."""

    def __init__(self, *, max_length: int | None = None, min_length: int | None = None, **kwargs):
        validators = list(kwargs.pop("validate", None) or [])
        if max_length is not None or min_length is not None:
            validators.append(validate.Length(min=min_length, max=max_length, error="At most {max} characters."))
        # Say in the spec what _clean_text refuses, so a client (or a fuzzer) knows a NUL is not valid text.
        kwargs["metadata"] = {"pattern": NO_NUL, **(kwargs.get("metadata") or {})}
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        _clean_text(text)
        return text


class Email(ma.fields.Email):
    def __init__(self, **kwargs):
        super().__init__(validate=[validate.Length(max=254, error="At most {max} characters.")], **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        _clean_text(text)
        return text


class Integer(ma.fields.Integer):
    """A whole number within ``minimum``..``maximum``: in a JSON body never a float or a
    string (``strict``); in a query string (strict=False) the text of one."""

    def __init__(self, *, minimum: int = 0, maximum: int = INT_MAX, strict: bool = True, **kwargs):
        super().__init__(strict=strict, validate=[validate.Range(min=minimum, max=maximum,
                                                                 error="Must be between {min} and {max}.")],
                         **kwargs)


def Id(**kwargs) -> Integer:  # noqa: N802 - reads like a field class
    return Integer(minimum=1, **kwargs)


class DecimalString(ma.fields.Decimal):
    """A decimal as a JSON string ("125000.00"); numbers are accepted on input too."""

    def __init__(self, *, places: int = 2, minimum: Decimal | None = None, maximum: Decimal | None = None,
                 **kwargs):
        validators = []
        if minimum is not None or maximum is not None:
            validators.append(validate.Range(min=minimum, max=maximum, error="Must be between {min} and {max}."))
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("pattern", DECIMAL_PATTERN)
        super().__init__(places=places, as_string=True, allow_nan=False, validate=validators, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value))
        except (InvalidOperation, TypeError, ValueError):
            raise self.make_error("invalid") from None
        if not number.is_finite() or abs(number) >= Decimal(10) ** 13:
            raise self.make_error("invalid")
        return super()._validated(value)


class Date(ma.fields.Date):
    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValidationError("Out of range.")
        return day


class QueryDate(ma.fields.Date):
    """A date filter: any valid date is accepted, and clamped to the years the data can hold."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        return min(max(day, dt.date(MIN_YEAR, 1, 1)), dt.date(MAX_YEAR, 12, 31))


class AwareDateTime(ma.fields.AwareDateTime):
    """ISO 8601 with an offset in and out ("2017-05-23T01:30:00+00:00")."""

    default_error_messages = {"invalid_awareness": "Not a valid aware datetime."}

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError("Out of range.")
        return value.astimezone(dt.UTC)


class Enum(ma.fields.String):
    """One of an enum's values, loaded and dumped as the value (services turn values into members)."""

    def __init__(self, enum_cls, **kwargs):
        self.enum_cls = enum_cls
        values = [m.value for m in enum_cls]
        kwargs.setdefault("metadata", {})
        kwargs["metadata"]["enum"] = values
        super().__init__(validate=[validate.OneOf(values, error="Must be one of: {choices}.")], **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else getattr(value, "value", value)
