"""Shared list mechanics: whitelisted sorting from the URL, and CSV/XLSX export
of exactly the rows a filtered list shows.

A view builds its filtered SELECT once, then either paginates it or hands it
to ``export_response``; both see the same filters, so an export never drifts
from the page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import Response, request
from flask_sqlalchemy.pagination import SelectPagination

EXPORT_LIMIT = 100_000  # rows; an export is a spreadsheet, not a backup
# Cells starting with these are formulas to Excel/LibreOffice: neutralise them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Sorts:
    """Sort keys a list accepts: ``?sort=name`` ascending, ``?sort=-name`` descending."""

    columns: dict[str, Callable[[], Sequence[sa.ColumnElement]] | Sequence[sa.ColumnElement]]
    default: str

    def parse(self, value: str | None) -> str:
        """The requested sort if it is allowed, else the default."""
        if value and value.lstrip("-") in self.columns:
            return value
        return self.default

    def apply(self, stmt: sa.Select, value: str | None, tiebreak: sa.ColumnElement) -> tuple[sa.Select, str]:
        key = self.parse(value)
        cols = self.columns[key.lstrip("-")]
        cols = cols() if callable(cols) else cols
        descending = key.startswith("-")
        order = [c.desc() if descending else c.asc() for c in cols]
        order.append(tiebreak.desc() if descending else tiebreak.asc())
        return stmt.order_by(None).order_by(*order), key


def sort_link_args(current: str, key: str) -> dict:
    """URL args for a column header: toggles direction when already sorted by ``key``."""
    args = request.args.to_dict()
    args.pop("page", None)
    args["sort"] = f"-{key}" if current == key else key
    return args


def neutralise(value) -> object:
    """A cell value safe for spreadsheets (no formula injection), keeping numbers as numbers."""
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def date_arg(value: str | None) -> dt.date | None:
    """An ISO date from a query argument; None when it is missing or malformed, so a
    hand-edited URL falls back to "no filter" instead of an error."""
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def export_response(fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX download."""
    headers = [str(h) for h in headers]
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(headers)
        for row in rows:
            sheet.append([_xlsx_cell(neutralise(v)) for v in row])
        out = io.BytesIO()
        book.save(out)
        body, mimetype = out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
        body, mimetype, fmt = ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", "csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _xlsx_cell(value):
    # openpyxl refuses control characters; spreadsheets cannot hold them anyway.
    if isinstance(value, str):
        return "".join(ch for ch in value if ch in "\t\n" or ord(ch) >= 32)
    return value


COUNT_CAP = 10_000


class CappedPagination(SelectPagination):
    """Pagination whose total stops counting at ``COUNT_CAP`` rows.

    Counting every row of a 200,000-meeting list costs more than the page itself;
    nobody pages past 200 pages, so the page says "10,000+" instead.
    """

    def _query_count(self) -> int:
        select = self._query_args["select"]
        # Only the first column (the primary key), so the database can skip the
        # joins that exist only for sorting and eager loading.
        first = select.selected_columns[0]
        ids = select.with_only_columns(first, maintain_column_froms=True).order_by(None).limit(self.count_cap + 1)
        sub = ids.subquery()
        return self._query_args["session"].execute(sa.select(sa.func.count()).select_from(sub)).scalar()

    @property
    def count_cap(self) -> int:
        return COUNT_CAP

    @property
    def total_is_capped(self) -> bool:
        return (self.total or 0) > COUNT_CAP


def paginate(stmt: sa.Select, *, page: int, per_page: int) -> CappedPagination:
    """Like ``db.paginate`` (out-of-range pages are empty, not 404) with a capped count."""
    from .extensions import db

    return CappedPagination(select=stmt, session=db.session(), page=max(page, 1), per_page=per_page)
