"""Read helpers for the shared address book: companies, and what the user may
see of their deals, leads and meetings."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..deals.models import Deal
from ..enums import CompanyKind
from ..events.models import Event, event_companies
from ..extensions import db
from ..leads.models import Lead
from ..listing import EXPORT_LIMIT, Sorts, paginate
from ..meetings.models import Meeting
from ..model_mixins import name_order
from ..permissions import scope
from ..search import like_pattern, search_clause
from ..territories import territory_name
from ..titles.models import Title
from .models import Company, Contact

PER_PAGE = 50
RELATED_LIMIT = 50  # rows per related list on a detail page


def name_matches(model, q: str):
    # ilike folds ASCII only on SQLite; Chinese has no case, so that is enough for names.
    pattern = like_pattern(q)
    return sa.or_(model.name_en.ilike(pattern, escape="\\"), model.name_zh.ilike(pattern, escape="\\"))


ARCHIVED_FILTERS = ("", "1", "all")  # active only (default), archived only, both


@dataclass(frozen=True)
class CompanyFilters:
    """What the company list shows; every field comes from, and goes back to, the URL."""

    q: str = ""
    country: str | None = None
    kind: CompanyKind | None = None
    archived: str = ""
    sort: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.country or self.kind or self.archived)


def archived_clause(model, archived: str):
    if archived == "1":
        return model.archived_at.is_not(None)
    if archived == "all":
        return sa.true()
    return model.archived_at.is_(None)


def company_sorts(lang: str) -> Sorts:
    return Sorts(
        columns={
            "name": name_order(Company, lang)[:1],
            "country": (sa.func.coalesce(Company.country, ""),),  # NULL order differs between databases
            "kind": (Company.kind,),
            "created": (Company.created_at,),
        },
        default="name",
    )


def company_query(filters: CompanyFilters, lang: str = "en") -> tuple[sa.Select, str]:
    """The filtered, sorted SELECT behind the list and its export; and the sort key used."""
    stmt = sa.select(Company).where(archived_clause(Company, filters.archived))
    if filters.q:
        stmt = stmt.where(search_clause(Company, filters.q))
    if filters.country:
        stmt = stmt.where(Company.country == filters.country)
    if filters.kind is not None:
        stmt = stmt.where(Company.kind == filters.kind)
    return company_sorts(lang).apply(stmt, filters.sort, Company.id)


def company_list(filters: CompanyFilters | None = None, *, lang: str = "en", page: int = 1,
                 per_page: int = PER_PAGE, **kwargs):
    """A page of companies and the sort key used (kwargs: CompanyFilters fields)."""
    stmt, sort = company_query(filters or CompanyFilters(**kwargs), lang)
    return paginate(stmt, page=page, per_page=per_page), sort


def company_export_rows(filters: CompanyFilters, lang: str = "en"):
    """Every company the filtered list shows (all pages, up to the export limit)."""
    stmt, _sort = company_query(filters, lang)
    for c in db.session.scalars(stmt.limit(EXPORT_LIMIT)):
        yield [
            c.id, c.name_en, c.name_zh, c.legal_name_en, c.legal_name_zh, str(c.kind.label), c.country,
            territory_name(c.country) if c.country else "", c.city, c.address_en, c.address_zh, c.website,
            c.notes, c.archived_at.date() if c.archived_at else None, c.created_at.date() if c.created_at else None,
        ]


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
