"""Read helpers for meetings, always scoped to what the user may see."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..companies.models import Contact
from ..db_types import utcnow
from ..deals.models import Deal
from ..enums import MeetingStatus
from ..events.models import Event
from ..extensions import db
from ..leads.models import Lead
from ..permissions import scope
from ..tasks.models import Note
from .models import Meeting

PER_PAGE = 50
WHEN = ("upcoming", "past")


def meeting_list(user, *, status: MeetingStatus | None = None, event_id: int | None = None,
                 when: str | None = None, page: int = 1, per_page: int = PER_PAGE):
    """Visible meetings, newest first; ``when="upcoming"`` lists the next ones first."""
    stmt = (
        sa.select(Meeting)
        .options(
            joinedload(Meeting.company), joinedload(Meeting.event), joinedload(Meeting.owner),
            selectinload(Meeting.contacts),
        )
        .where(Meeting.archived_at.is_(None))
    )
    if status is not None:
        stmt = stmt.where(Meeting.status == status)
    if event_id is not None:
        stmt = stmt.where(Meeting.event_id == event_id)
    now = utcnow()
    if when == "upcoming":
        stmt = stmt.where(Meeting.starts_at >= now).order_by(Meeting.starts_at, Meeting.id)
    else:
        if when == "past":
            stmt = stmt.where(Meeting.starts_at < now)
        stmt = stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    return db.paginate(scope(stmt, Meeting, user), page=page, per_page=per_page, error_out=False)


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
