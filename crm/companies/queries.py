"""Read helpers for the shared address book: companies, and what the user may
see of their deals, leads and meetings."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..deals.models import Deal
from ..enums import CompanyKind
from ..events.models import Event, event_companies
from ..extensions import db
from ..leads.models import Lead
from ..meetings.models import Meeting
from ..permissions import scope
from ..titles.models import Title
from .models import Company, Contact

PER_PAGE = 50
RELATED_LIMIT = 50  # rows per related list on a detail page


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with the user's % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def name_order(model, lang: str):
    """ORDER BY the name in the active language, falling back to the other one."""
    first, second = (model.name_zh, model.name_en) if lang == "zh" else (model.name_en, model.name_zh)
    return (sa.func.coalesce(first, second), model.id)


def name_matches(model, q: str):
    # ilike folds ASCII only on SQLite; Chinese has no case, so that is enough for names.
    pattern = like_pattern(q)
    return sa.or_(model.name_en.ilike(pattern, escape="\\"), model.name_zh.ilike(pattern, escape="\\"))


def company_list(*, q: str = "", kind: CompanyKind | None = None, lang: str = "en", page: int = 1,
                 per_page: int = PER_PAGE):
    stmt = sa.select(Company).where(Company.archived_at.is_(None)).order_by(*name_order(Company, lang))
    if q:
        stmt = stmt.where(name_matches(Company, q))
    if kind is not None:
        stmt = stmt.where(Company.kind == kind)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def company_detail(company_id: int) -> Company | None:
    # Archived companies stay reachable (old deals link to them); the page says so.
    return db.session.get(Company, company_id)


def company_contacts(company_id: int, lang: str = "en") -> list[Contact]:
    return db.session.scalars(
        sa.select(Contact)
        .where(Contact.company_id == company_id, Contact.archived_at.is_(None))
        .order_by(*name_order(Contact, lang))
    ).all()


def company_activity(user, company_id: int) -> dict:
    """Deals, leads and meetings with the company that ``user`` may see, plus the
    events it attended and the titles it holds rights in (shared records)."""
    deals = scope(
        sa.select(Deal)
        .options(joinedload(Deal.stage), joinedload(Deal.owner))
        .where(Deal.company_id == company_id, Deal.archived_at.is_(None))
        .order_by(Deal.updated_at.desc(), Deal.id.desc())
        .limit(RELATED_LIMIT),
        Deal,
        user,
    )
    leads = scope(
        sa.select(Lead)
        .options(joinedload(Lead.owner), joinedload(Lead.contact), joinedload(Lead.event))
        .where(Lead.company_id == company_id, Lead.archived_at.is_(None))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(RELATED_LIMIT),
        Lead,
        user,
    )
    meetings = scope(
        sa.select(Meeting)
        .options(joinedload(Meeting.owner), joinedload(Meeting.event), selectinload(Meeting.contacts))
        .where(Meeting.company_id == company_id, Meeting.archived_at.is_(None))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(RELATED_LIMIT),
        Meeting,
        user,
    )
    events = (
        sa.select(Event)
        .join(event_companies, event_companies.c.event_id == Event.id)
        .where(event_companies.c.company_id == company_id, Event.archived_at.is_(None))
        .order_by(Event.start_date.desc())
    )
    titles = (
        sa.select(Title)
        .where(Title.rights_holder_id == company_id, Title.archived_at.is_(None))
        .order_by(Title.id)
    )
    return {
        "deals": db.session.scalars(deals).unique().all(),
        "leads": db.session.scalars(leads).unique().all(),
        "meetings": db.session.scalars(meetings).unique().all(),
        "events": db.session.scalars(events).all(),
        "titles": db.session.scalars(titles).all(),
    }
