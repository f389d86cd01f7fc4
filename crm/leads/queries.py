"""Read helpers for leads, always scoped to what the user may see."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..deals.models import Deal
from ..enums import LeadStatus
from ..extensions import db
from ..permissions import scope
from ..tasks.models import Note
from .models import Lead

PER_PAGE = 50


def lead_list(user, *, status: LeadStatus | None = None, page: int = 1, per_page: int = PER_PAGE):
    stmt = (
        sa.select(Lead)
        .options(joinedload(Lead.company), joinedload(Lead.contact), joinedload(Lead.event), joinedload(Lead.owner))
        .where(Lead.archived_at.is_(None))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Lead.status == status)
    return db.paginate(scope(stmt, Lead, user), page=page, per_page=per_page, error_out=False)


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


def lead_related(user, lead_id: int) -> dict:
    """Notes on the lead (visible with it) and the deals it became that ``user`` may see."""
    notes = (
        sa.select(Note)
        .options(joinedload(Note.author))
        .where(Note.lead_id == lead_id)
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    deals = scope(
        sa.select(Deal)
        .options(joinedload(Deal.stage), joinedload(Deal.owner))
        .where(Deal.lead_id == lead_id, Deal.archived_at.is_(None))
        .order_by(Deal.id),
        Deal,
        user,
    )
    return {
        "notes": db.session.scalars(notes).unique().all(),
        "deals": db.session.scalars(deals).unique().all(),
    }
