"""Column types that behave the same on SQLite and PostgreSQL.

* ``Decimal``-exact numerics: PostgreSQL's NUMERIC is exact; SQLite has no
  decimal type, and SQLAlchemy's Numeric binds floats there. We bind the
  decimal's text instead. A NUMERIC-affinity column keeps a value of at most 15
  significant digits exactly (SQLite converts text to REAL only within its
  15-digit guarantee and ``repr(float)`` gives those digits back), so every
  exact type here is limited to 15 digits and refuses more rather than
  rounding silently. Sorting, sums and CHECK constraints stay numeric.
* ``UTCDateTime``: aware datetimes in, aware UTC datetimes out, stored as UTC
  on both databases (SQLite has no time zones and returns naive values).
* ``str_enum``: enums stored as their values in a VARCHAR with a CHECK
  constraint, never a native PostgreSQL enum (those are painful to migrate).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

MAX_DIGITS = 15


class _SQLiteNumeric(sa.Numeric):
    """NUMERIC DDL without SQLAlchemy's float conversion in either direction."""

    def bind_processor(self, dialect):
        return None

    def result_processor(self, dialect, coltype):
        return None


class ExactDecimal(TypeDecorator):
    """A fixed-scale decimal, exact on SQLite and PostgreSQL."""

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int = MAX_DIGITS, scale: int = 2):
        if precision > MAX_DIGITS:
            raise ValueError(f"at most {MAX_DIGITS} digits are exact on SQLite")
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._limit = Decimal(10) ** (precision - scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteNumeric(self.precision, self.scale))
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def _coerce(self, value) -> Decimal:
        if isinstance(value, float):
            raise TypeError("floats are not accepted for exact amounts; pass a Decimal or a string")
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
        if not number.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        number = number.quantize(self._quantum, rounding=ROUND_HALF_UP)
        if abs(number) >= self._limit:
            raise ValueError(f"{number} has more than {self.precision} digits")
        return number

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        number = self._coerce(value)
        return str(number) if dialect.name == "sqlite" else number

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            value = repr(value)
        return Decimal(value).quantize(self._quantum)

    def process_literal_param(self, value, dialect):
        return str(self._coerce(value))


def Money() -> ExactDecimal:  # noqa: N802 - reads like a type in column definitions
    """An amount of money: 13 digits before the point, 2 after."""
    return ExactDecimal(15, 2)


def Percent() -> ExactDecimal:  # noqa: N802
    """A percentage 0–100 with two decimals (constrain the range with a CHECK)."""
    return ExactDecimal(5, 2)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored in UTC; naive values are refused."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC in the database)")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def str_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A VARCHAR + CHECK enum storing values (not names); ``name`` names the CHECK."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )
