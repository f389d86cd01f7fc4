"""Read helpers for leads, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..auth.models import User
from ..companies.models import Company, Contact
from ..deals.models import Deal
from ..enums import LeadSource, LeadStatus
from ..events.models import Event
from ..extensions import db
from ..i18n import day_range_utc
from ..listing import Sorts, paginate
from ..meetings.models import Meeting
from ..model_mixins import name_order
from ..permissions import scope
from ..search import search_clause
from .models import Lead

PER_PAGE = 50
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.QUALIFIED)


@dataclass
class LeadFilters:
    """What the lead list is filtered by; every field comes from the URL."""

    q: str = ""
    status: LeadStatus | None = None
    owner_id: int | None = None  # managers only; ignored for reps (they see their own)
    event_id: int | None = None
    source: LeadSource | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None  # inclusive
    archived: bool = False


def lead_sorts(lang: str = "en") -> Sorts:
    first, second = (Company.name_zh, Company.name_en) if lang == "zh" else (Company.name_en, Company.name_zh)
    return Sorts(
        {
            "created": [Lead.created_at],
            "updated": [Lead.updated_at],
            "company": lambda: [sa.func.coalesce(first, second)],
            "status": [Lead.status],
            "source": [Lead.source],
            "owner": [User.name],
            "summary": [Lead.summary],
        },
        default="-created",
    )


def lead_query(user, filters: LeadFilters, *, tz: str = "UTC") -> sa.Select:
    """The filtered, scoped SELECT the list page paginates and the export writes out.
    Company and owner are joined (for search and sorting) and loaded with the rows;
    contact and event are joined in too, so a page costs the same queries whatever its size."""
    stmt = (
        sa.select(Lead)
        .join(Lead.company)
        .join(Lead.owner)
        .options(contains_eager(Lead.company), contains_eager(Lead.owner),
                 joinedload(Lead.contact), joinedload(Lead.event))
        .where(Lead.archived_at.is_not(None) if filters.archived else Lead.archived_at.is_(None))
    )
    if filters.q:
        stmt = stmt.where(search_clause(Company, filters.q))
    if filters.status is not None:
        stmt = stmt.where(Lead.status == filters.status)
    if filters.owner_id is not None and user.is_manager:
        stmt = stmt.where(Lead.owner_id == filters.owner_id)
    if filters.event_id is not None:
        stmt = stmt.where(Lead.event_id == filters.event_id)
    if filters.source is not None:
        stmt = stmt.where(Lead.source == filters.source)
    if filters.created_from is not None:
        stmt = stmt.where(Lead.created_at >= day_range_utc(filters.created_from, None, ZoneInfo(tz))[0])
    if filters.created_to is not None:
        stmt = stmt.where(Lead.created_at < day_range_utc(None, filters.created_to, ZoneInfo(tz))[1])
    return scope(stmt, Lead, user)


def lead_list(user, *, status: LeadStatus | None = None, page: int = 1, per_page: int = PER_PAGE,
              filters: LeadFilters | None = None, sort: str | None = None, lang: str = "en", tz: str = "UTC"):
    filters = filters or LeadFilters(status=status)
    stmt, sort_key = lead_sorts(lang).apply(lead_query(user, filters, tz=tz), sort, Lead.id)
    pagination = paginate(stmt, page=page, per_page=per_page)
    pagination.sort_key = sort_key
    return pagination


def lead_rows_for_export(user, filters: LeadFilters, *, sort: str | None = None, lang: str = "en",
                         tz: str = "UTC", limit: int = 100_000):
    stmt, _key = lead_sorts(lang).apply(lead_query(user, filters, tz=tz), sort, Lead.id)
    return db.session.scalars(stmt.limit(limit)).unique()


def lead_detail(user, lead_id: int) -> Lead | None:
    stmt = (
        sa.select(Lead)
        .options(
            joinedload(Lead.company), joinedload(Lead.contact), joinedload(Lead.event), joinedload(Lead.owner),
            joinedload(Lead.meeting), selectinload(Lead.titles),
        )
        .where(Lead.id == lead_id)
    )
    return db.session.scalars(scope(stmt, Lead, user)).unique().one_or_none()


def lead_deals(user, lead_id: int) -> list[Deal]:
    """The deals the lead became that ``user`` may see."""
    deals = scope(
        sa.select(Deal)
        .options(joinedload(Deal.stage), joinedload(Deal.owner))
        .where(Deal.lead_id == lead_id, Deal.archived_at.is_(None))
        .order_by(Deal.id),
        Deal,
        user,
    )
    return db.session.scalars(deals).unique().all()


def open_leads_for(company_id: int, owner_id: int, exclude_id: int | None = None) -> list[Lead]:
    """Open (new or qualified) leads of ``owner_id`` on the company: a likely duplicate."""
    stmt = (
        sa.select(Lead)
        .where(Lead.company_id == company_id, Lead.owner_id == owner_id, Lead.status.in_(OPEN_STATUSES),
               Lead.archived_at.is_(None))
        .order_by(Lead.created_at.desc())
        .limit(20)
    )
    if exclude_id is not None:
        stmt = stmt.where(Lead.id != exclude_id)
    return db.session.scalars(stmt).all()


# ---- choices for the lead form and filters ----------------------------------
# (companies and titles are searched for, not listed: crm/pickers.py)


def _pair(en: str | None, zh: str | None, lang: str) -> str:
    first, second = (zh, en) if lang == "zh" else (en, zh)
    if first and second and first != second:
        return f"{first} · {second}"
    return first or second or ""


def contact_choices(company_id: int | None, lang: str, keep_id: int | None = None) -> list[tuple[int, str]]:
    if not company_id:
        return []
    stmt = (
        sa.select(Contact.id, Contact.name_en, Contact.name_zh)
        .where(Contact.company_id == company_id, sa.or_(Contact.archived_at.is_(None), Contact.id == keep_id))
        .order_by(*name_order(Contact, lang))
    )
    return [(i, _pair(en, zh, lang)) for i, en, zh in db.session.execute(stmt)]


def event_choices(lang: str, keep_id: int | None = None) -> list[tuple[int, str]]:
    stmt = (
        sa.select(Event.id, Event.name_en, Event.name_zh)
        .where(sa.or_(Event.archived_at.is_(None), Event.id == keep_id))
        .order_by(Event.start_date.desc(), Event.id.desc())
    )
    return [(i, _pair(en, zh, lang)) for i, en, zh in db.session.execute(stmt)]


def meeting_choices(user, company_id: int | None, keep_id: int | None = None) -> list[Meeting]:
    """Meetings with the company that ``user`` may see (the view labels them with local times)."""
    if not company_id:
        return []
    stmt = (
        sa.select(Meeting)
        .where(Meeting.company_id == company_id, sa.or_(Meeting.archived_at.is_(None), Meeting.id == keep_id))
        .order_by(Meeting.starts_at.desc())
        .limit(200)
    )
    return db.session.scalars(scope(stmt, Meeting, user)).all()


def owner_choices() -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in db.session.scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.name))]
