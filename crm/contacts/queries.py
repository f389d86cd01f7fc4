"""Read helpers for contacts (shared address book) and what the user may see of
the deals, leads and meetings they took part in."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..companies.models import Company, Contact
from ..companies.queries import PER_PAGE, RELATED_LIMIT, archived_clause
from ..deals.models import Deal, deal_contacts
from ..extensions import db
from ..leads.models import Lead
from ..listing import EXPORT_LIMIT, Sorts, paginate
from ..meetings.models import Meeting, meeting_contacts
from ..model_mixins import name_order
from ..permissions import scope
from ..search import search_clause


@dataclass(frozen=True)
class ContactFilters:
    """What the contact list shows; every field comes from, and goes back to, the URL."""

    q: str = ""
    company_id: int | None = None  # exactly this company (links from a company page)
    company_q: str = ""  # companies matching this text
    archived: str = ""
    sort: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.company_id or self.company_q or self.archived)


def contact_sorts(lang: str) -> Sorts:
    return Sorts(
        columns={
            "name": name_order(Contact, lang)[:1],
            # Blank rather than NULL, so both databases put them first (NULL order differs).
            "company": (sa.func.coalesce(name_order(Company, lang)[0], ""),),
            "email": (sa.func.coalesce(Contact.email, ""),),
        },
        default="name",
    )


def contact_query(filters: ContactFilters, lang: str = "en") -> tuple[sa.Select, str]:
    """The filtered, sorted SELECT behind the list and its export; and the sort key used.
    Companies are outer-joined (to sort and filter by them) and loaded in the same query."""
    stmt = (
        sa.select(Contact)
        .outerjoin(Company, Contact.company_id == Company.id)
        .options(contains_eager(Contact.company))
        .where(archived_clause(Contact, filters.archived))
    )
    if filters.q:
        stmt = stmt.where(search_clause(Contact, filters.q))
    if filters.company_id is not None:
        stmt = stmt.where(Contact.company_id == filters.company_id)
    if filters.company_q:
        stmt = stmt.where(Contact.company_id.is_not(None), search_clause(Company, filters.company_q))
    return contact_sorts(lang).apply(stmt, filters.sort, Contact.id)


def contact_list(filters: ContactFilters | None = None, *, lang: str = "en", page: int = 1,
                 per_page: int = PER_PAGE, **kwargs):
    """A page of contacts and the sort key used (kwargs: ContactFilters fields)."""
    stmt, sort = contact_query(filters or ContactFilters(**kwargs), lang)
    return paginate(stmt, page=page, per_page=per_page), sort


def contact_export_rows(filters: ContactFilters, lang: str = "en"):
    """Every contact the filtered list shows (all pages, up to the export limit)."""
    stmt, _sort = contact_query(filters, lang)
    for c in db.session.scalars(stmt.limit(EXPORT_LIMIT)):
        company = c.company
        yield [
            c.id, c.name_en, c.name_zh, c.job_title_en, c.job_title_zh,
            company.name_en if company else None, company.name_zh if company else None,
            c.email, c.phone, c.wechat_id, c.languages, c.notes,
            c.archived_at.date() if c.archived_at else None, c.created_at.date() if c.created_at else None,
        ]


def contact_detail(contact_id: int) -> Contact | None:
    # Archived contacts stay reachable from old records; the page says so.
    return db.session.scalar(
        sa.select(Contact).options(joinedload(Contact.company)).where(Contact.id == contact_id)
    )


def contact_activity(user, contact_id: int) -> dict:
    meetings = scope(
        sa.select(Meeting)
        .join(meeting_contacts, meeting_contacts.c.meeting_id == Meeting.id)
        .options(joinedload(Meeting.owner), joinedload(Meeting.event), joinedload(Meeting.company))
        .where(meeting_contacts.c.contact_id == contact_id, Meeting.archived_at.is_(None))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(RELATED_LIMIT),
        Meeting,
        user,
    )
    leads = scope(
        sa.select(Lead)
        .options(joinedload(Lead.owner), joinedload(Lead.company))
        .where(Lead.contact_id == contact_id, Lead.archived_at.is_(None))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(RELATED_LIMIT),
        Lead,
        user,
    )
    deals = scope(
        sa.select(Deal)
        .join(deal_contacts, deal_contacts.c.deal_id == Deal.id)
        .options(joinedload(Deal.stage), joinedload(Deal.owner))
        .where(deal_contacts.c.contact_id == contact_id, Deal.archived_at.is_(None))
        .order_by(Deal.updated_at.desc(), Deal.id.desc())
        .limit(RELATED_LIMIT),
        Deal,
        user,
    )
    return {
        "meetings": db.session.scalars(meetings).unique().all(),
        "leads": db.session.scalars(leads).unique().all(),
        "deals": db.session.scalars(deals).unique().all(),
    }
