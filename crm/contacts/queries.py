"""Read helpers for contacts (shared address book) and what the user may see of
the deals, leads and meetings they took part in."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..companies.models import Contact
from ..companies.queries import PER_PAGE, RELATED_LIMIT, like_pattern, name_matches, name_order
from ..deals.models import Deal, deal_contacts
from ..extensions import db
from ..leads.models import Lead
from ..meetings.models import Meeting, meeting_contacts
from ..permissions import scope


def contact_list(*, q: str = "", lang: str = "en", page: int = 1, per_page: int = PER_PAGE):
    stmt = (
        sa.select(Contact)
        .options(joinedload(Contact.company))
        .where(Contact.archived_at.is_(None))
        .order_by(*name_order(Contact, lang))
    )
    if q:
        stmt = stmt.where(sa.or_(name_matches(Contact, q), Contact.email.ilike(like_pattern(q), escape="\\")))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


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
