"""Read helpers for meetings, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..auth.models import User
from ..companies.models import Company, Contact
from ..db_types import utcnow
from ..deals.models import Deal
from ..enums import MeetingStatus
from ..events.models import Event
from ..extensions import db
from ..i18n import day_range_utc
from ..leads.models import Lead
from ..listing import EXPORT_LIMIT, Sorts, paginate
from ..permissions import scope
from ..search import search_clause
from ..tasks.models import Note
from .models import Meeting

PER_PAGE = 30
WHEN = ("upcoming", "past")


@dataclass(frozen=True)
class MeetingFilters:
    """What the meetings list, its exports and the calendar file show (all from the URL)."""

    q: str = ""
    status: MeetingStatus | None = None
    event_id: int | None = None
    owner_id: int | None = None  # managers only; ignored for reps (they see their own anyway)
    date_from: dt.date | None = None  # on the user's clock, inclusive
    date_to: dt.date | None = None
    when: str | None = None  # "upcoming" or "past"
    sort: str | None = None

    @property
    def active(self) -> bool:
        return any((self.q, self.status, self.event_id, self.owner_id, self.date_from, self.date_to, self.when))


SORT_KEYS = ("start", "company", "status")


def meeting_sorts(lang: str, when: str | None) -> Sorts:
    first, second = (Company.name_zh, Company.name_en) if lang == "zh" else (Company.name_en, Company.name_zh)
    return Sorts(
        {"start": [Meeting.starts_at], "company": [sa.func.lower(sa.func.coalesce(first, second, ""))],
         "status": [Meeting.status]},
        default="start" if when == "upcoming" else "-start",
    )


def meeting_stmt(user, filters: MeetingFilters, *, lang: str = "en", zone: ZoneInfo | None = None,
                 now: dt.datetime | None = None) -> tuple[sa.Select, str]:
    """The visible, filtered and sorted meetings with what a list row shows loaded
    eagerly; returns the statement and the sort key in force."""
    zone = zone or ZoneInfo("UTC")
    stmt = (
        sa.select(Meeting)
        .outerjoin(Company, Company.id == Meeting.company_id)
        .options(
            contains_eager(Meeting.company), joinedload(Meeting.event), joinedload(Meeting.owner),
            selectinload(Meeting.contacts),
        )
        .where(Meeting.archived_at.is_(None))
    )
    if filters.q:
        stmt = stmt.where(search_clause(Company, filters.q))
    if filters.status is not None:
        stmt = stmt.where(Meeting.status == filters.status)
    if filters.event_id is not None:
        stmt = stmt.where(Meeting.event_id == filters.event_id)
    if filters.owner_id is not None and user.is_manager:
        stmt = stmt.where(Meeting.owner_id == filters.owner_id)
    if filters.date_from is not None:
        stmt = stmt.where(Meeting.starts_at >= day_range_utc(filters.date_from, None, zone)[0])
    if filters.date_to is not None:
        stmt = stmt.where(Meeting.starts_at < day_range_utc(None, filters.date_to, zone)[1])
    now = now or utcnow()
    if filters.when == "upcoming":
        stmt = stmt.where(Meeting.starts_at >= now)
    elif filters.when == "past":
        stmt = stmt.where(Meeting.starts_at < now)
    stmt, key = meeting_sorts(lang, filters.when).apply(stmt, filters.sort, Meeting.id)
    return scope(stmt, Meeting, user), key


def meeting_list(user, filters: MeetingFilters | None = None, *, lang: str = "en", zone: ZoneInfo | None = None,
                 page: int = 1, per_page: int = PER_PAGE):
    """A page of visible meetings (newest first unless sorted otherwise) and the sort key."""
    stmt, key = meeting_stmt(user, filters or MeetingFilters(), lang=lang, zone=zone)
    return paginate(stmt, page=page, per_page=per_page), key


def meetings_for_export(user, filters: MeetingFilters, *, lang: str = "en", zone: ZoneInfo | None = None,
                        limit: int = EXPORT_LIMIT) -> list[Meeting]:
    stmt, _key = meeting_stmt(user, filters, lang=lang, zone=zone)
    return db.session.scalars(stmt.limit(limit)).unique().all()


def owner_choices() -> list[tuple[int, str]]:
    """Active users as (id, name), for the owner filter and the team select: one query."""
    rows = db.session.execute(sa.select(User.id, User.name).where(User.active).order_by(User.name, User.id))
    return [(row.id, row.name) for row in rows]


def contact_choices(company_id: int | None, lang: str, keep: list[int] = ()) -> list[tuple[int, str]]:
    """Contacts of ``company_id`` (plus the ids in ``keep``, e.g. already chosen), for the contact select."""
    if company_id is None and not keep:
        return []
    where = Contact.company_id == company_id if company_id is not None else sa.false()
    if keep:
        where = sa.or_(where, Contact.id.in_(keep))
    rows = db.session.execute(
        sa.select(Contact.id, Contact.name_en, Contact.name_zh, Contact.company_id, Contact.archived_at)
        .where(where)
    ).all()
    rows = [r for r in rows if r.archived_at is None or r.id in keep]

    def label(row) -> str:
        first, second = (row.name_zh, row.name_en) if lang == "zh" else (row.name_en, row.name_zh)
        return f"{first} · {second}" if first and second and first != second else (first or second or "")

    return sorted(((r.id, label(r)) for r in rows), key=lambda p: (p[1].casefold(), p[0]))


def filter_events() -> list[Event]:
    """Events offered in the meeting filter (a shared list, newest first)."""
    return db.session.scalars(
        sa.select(Event).where(Event.archived_at.is_(None)).order_by(Event.start_date.desc(), Event.id.desc())
    ).all()


def meeting_detail(user, meeting_id: int) -> Meeting | None:
    stmt = (
        sa.select(Meeting)
        .options(
            joinedload(Meeting.company), joinedload(Meeting.event), joinedload(Meeting.owner),
            selectinload(Meeting.users), selectinload(Meeting.contacts).joinedload(Contact.company),
        )
        .where(Meeting.id == meeting_id)
    )
    return db.session.scalars(scope(stmt, Meeting, user)).unique().one_or_none()


def meeting_related(user, meeting_id: int) -> dict:
    """Notes on the meeting (visible with it) and the leads and deals it led to that ``user`` may see."""
    notes = (
        sa.select(Note)
        .options(joinedload(Note.author))
        .where(Note.meeting_id == meeting_id)
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    leads = scope(
        sa.select(Lead)
        .options(joinedload(Lead.owner))
        .where(Lead.meeting_id == meeting_id, Lead.archived_at.is_(None))
        .order_by(Lead.id),
        Lead,
        user,
    )
    deals = scope(
        sa.select(Deal)
        .options(joinedload(Deal.stage), joinedload(Deal.owner))
        .where(Deal.meeting_id == meeting_id, Deal.archived_at.is_(None))
        .order_by(Deal.id),
        Deal,
        user,
    )
    return {
        "notes": db.session.scalars(notes).unique().all(),
        "leads": db.session.scalars(leads).unique().all(),
        "deals": db.session.scalars(deals).unique().all(),
    }
