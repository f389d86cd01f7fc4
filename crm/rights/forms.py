"""The "Check availability" form: parse the query string into a request, with
translated errors (plain function, testable without a request)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from ..enums import Medium
from ..extensions import db
from ..territories import parse_territory_text
from ..titles.models import Title

MAX_MATCHES = 8


@dataclass
class AvailabilityQuery:
    title: str = ""
    territories: str = ""
    media: list[str] = field(default_factory=list)
    start: str = ""
    end: str = ""
    exclusive: bool = True
    # parsed
    title_obj: Title | None = None
    title_matches: list[Title] = field(default_factory=list)
    entries: list[tuple[str, bool]] = field(default_factory=list)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def find_titles(text: str) -> list[Title]:
    """Titles matching ``text``: an id ("#12" or "12"), an exact English or Chinese
    name, else names containing it (at most MAX_MATCHES)."""
    text = text.strip()
    if not text:
        return []
    if text.lstrip("#").isdigit():
        title = db.session.get(Title, int(text.lstrip("#")))
        return [title] if title is not None else []
    live = Title.archived_at.is_(None)
    exact = db.session.scalars(
        sa.select(Title).where(live, sa.or_(sa.func.lower(Title.name_en) == text.lower(), Title.name_zh == text))
        .order_by(Title.id).limit(MAX_MATCHES)
    ).all()
    if exact:
        return list(exact)
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(db.session.scalars(
        sa.select(Title).where(live, sa.or_(Title.name_en.ilike(pattern, escape="\\"),
                                            Title.name_zh.like(pattern, escape="\\")))
        .order_by(Title.name_en, Title.id).limit(MAX_MATCHES)
    ))


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def parse_query(args) -> AvailabilityQuery:
    """Read ``args`` (a MultiDict: title, territories, media (repeated), start,
    end, exclusive) and validate; errors are keyed by field name."""
    q = AvailabilityQuery(
        title=args.get("title", "").strip()[:200],
        territories=args.get("territories", "").strip()[:500],
        media=[m for m in args.getlist("media") if m],
        start=args.get("start", "").strip(),
        end=args.get("end", "").strip(),
        exclusive=bool(args.get("exclusive")),
    )
    if not q.title:
        q.errors["title"] = _("Choose a title.")
    else:
        q.title_matches = find_titles(q.title)
        if len(q.title_matches) == 1:
            q.title_obj = q.title_matches[0]
        elif not q.title_matches:
            q.errors["title"] = _("No title matches “%(text)s”.", text=q.title)
        else:
            q.errors["title"] = _("Several titles match “%(text)s”: pick one below.", text=q.title)
    try:
        q.entries = parse_territory_text(q.territories)
        if not any(not excluded for _code, excluded in q.entries):
            q.errors["territories"] = _("Enter at least one territory, e.g. WW, GREATER_CHINA or FR.")
    except ValueError as exc:
        q.errors["territories"] = _(
            "Unknown territory code: %(codes)s. Use ISO country codes such as FR or CN, or a group: "
            "WW (worldwide), GREATER_CHINA, CN_MAINLAND, EU, FRANCOPHONE_EUROPE.", codes=", ".join(exc.args[1]),
        )
    values = {m.value for m in Medium}
    if not q.media:
        q.errors["media"] = _("Tick at least one medium.")
    elif any(m not in values for m in q.media):
        q.errors["media"] = _("Unknown medium.")
    for key in ("start", "end"):
        text = getattr(q, key)
        if not text:
            continue
        try:
            setattr(q, f"{key}_date", _date(text))
        except ValueError:
            q.errors[key] = _("Enter a date like 2017-05-24.")
    if q.start_date and q.end_date and q.end_date < q.start_date:
        q.errors["end"] = _("The end date is before the start date.")
    return q
