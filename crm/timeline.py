"""A record's activity timeline: meetings, stage changes, notes and tasks, newest first.

Each source is one bounded query, so a timeline costs a fixed number of
queries. Meetings and tasks are scoped to what the viewer may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .deals.models import Deal, StageChange
from .extensions import db
from .meetings.models import Meeting, meeting_contacts
from .permissions import scope
from .tasks.models import Note, Task

LIMIT = 50  # per source


@dataclass
class Item:
    when: dt.datetime
    kind: str  # "meeting", "stage", "note", "task"
    obj: object


def _as_datetime(value: dt.date | dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)


def timeline(user, *, company_id=None, contact_id=None, deal_id=None, lead_id=None, meeting_id=None) -> list[Item]:
    """Items about one record (pass exactly one id)."""
    items: list[Item] = []

    meetings = sa.select(Meeting).options(joinedload(Meeting.company), joinedload(Meeting.owner))
    if company_id is not None:
        meetings = meetings.where(Meeting.company_id == company_id)
    elif contact_id is not None:
        meetings = meetings.join(meeting_contacts).where(meeting_contacts.c.contact_id == contact_id)
    else:
        meetings = None
    if meetings is not None:
        rows = db.session.scalars(scope(meetings, Meeting, user).order_by(Meeting.starts_at.desc()).limit(LIMIT))
        items += [Item(m.starts_at, "meeting", m) for m in rows.unique()]

    if deal_id is not None or company_id is not None:
        changes = (
            sa.select(StageChange)
            .join(Deal, Deal.id == StageChange.deal_id)
            .options(joinedload(StageChange.to_stage), joinedload(StageChange.from_stage),
                     joinedload(StageChange.changed_by))
        )
        changes = changes.where(Deal.id == deal_id) if deal_id is not None else changes.where(
            Deal.company_id == company_id)
        rows = db.session.scalars(scope(changes, Deal, user).order_by(StageChange.changed_at.desc()).limit(LIMIT))
        items += [Item(c.changed_at, "stage", c) for c in rows.unique()]

    subject = _subject_filter(Note, company_id, contact_id, deal_id, lead_id, meeting_id)
    notes = sa.select(Note).options(joinedload(Note.author)).where(subject).order_by(Note.created_at.desc())
    items += [Item(n.created_at, "note", n) for n in db.session.scalars(notes.limit(LIMIT)).unique()]

    subject = _subject_filter(Task, company_id, contact_id, deal_id, lead_id, meeting_id)
    tasks = sa.select(Task).options(joinedload(Task.owner)).where(subject, Task.archived_at.is_(None))
    tasks = scope(tasks, Task, user)
    items += [
        Item(_as_datetime(t.done_at or t.due_on or t.created_at), "task", t)
        for t in db.session.scalars(tasks.order_by(Task.created_at.desc()).limit(LIMIT)).unique()
    ]
    items.sort(key=lambda item: item.when, reverse=True)
    return items


def _subject_filter(model, company_id, contact_id, deal_id, lead_id, meeting_id):
    for column, value in (("company_id", company_id), ("contact_id", contact_id), ("deal_id", deal_id),
                          ("lead_id", lead_id), ("meeting_id", meeting_id)):
        if value is not None:
            return getattr(model, column) == value
    return sa.false()
