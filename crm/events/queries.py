"""Read helpers for events (shared) and the meetings and leads at them that the
user may see."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..leads.models import Lead
from ..listing import paginate
from ..meetings.models import Meeting
from ..permissions import scope
from .models import Event, event_companies

PER_PAGE = 50


def event_zone(event: Event) -> ZoneInfo:
    """The event's time zone; UTC if the stored name is unknown, so a typo never breaks a page."""
    try:
        return ZoneInfo(event.timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("UTC")


def event_list(*, page: int = 1, per_page: int = PER_PAGE):
    stmt = (
        sa.select(Event)
        .options(joinedload(Event.organiser))
        .where(Event.archived_at.is_(None))
        .order_by(Event.start_date.desc(), Event.id.desc())
    )
    return paginate(stmt, page=page, per_page=per_page)


def event_counts(user, event_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{event id: (attending companies, meetings the user may see)} in two grouped queries."""
    if not event_ids:
        return {}
    companies = dict(
        db.session.execute(
            sa.select(event_companies.c.event_id, sa.func.count())
            .where(event_companies.c.event_id.in_(event_ids))
            .group_by(event_companies.c.event_id)
        ).all()
    )
    meetings_stmt = (
        sa.select(Meeting.event_id, sa.func.count(Meeting.id))
        .where(Meeting.event_id.in_(event_ids), Meeting.archived_at.is_(None))
        .group_by(Meeting.event_id)
    )
    meetings = dict(db.session.execute(scope(meetings_stmt, Meeting, user)).all())
    return {i: (companies.get(i, 0), meetings.get(i, 0)) for i in event_ids}


def event_detail(event_id: int) -> Event | None:
    # Archived events stay reachable from old meetings and deals; the page says so.
    return db.session.scalar(
        sa.select(Event)
        .options(joinedload(Event.organiser), selectinload(Event.companies))
        .where(Event.id == event_id)
    )


def event_meetings(user, event_id: int) -> list[Meeting]:
    stmt = (
        sa.select(Meeting)
        .options(
            joinedload(Meeting.company), joinedload(Meeting.owner),
            selectinload(Meeting.contacts),
        )
        .where(Meeting.event_id == event_id, Meeting.archived_at.is_(None))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return db.session.scalars(scope(stmt, Meeting, user)).unique().all()


def by_local_day(meetings: list[Meeting], zone: ZoneInfo) -> list[tuple[dt.date, list[Meeting]]]:
    """Meetings (sorted by start) grouped by their day on the event's local clock:
    a 09:00 Hangzhou meeting is on the 23rd even though it is 01:00 UTC."""
    def local_day(m: Meeting) -> dt.date:
        return m.starts_at.astimezone(zone).date()

    return [(day, list(group)) for day, group in itertools.groupby(meetings, key=local_day)]


def event_leads(user, event_id: int, limit: int = 50) -> list[Lead]:
    stmt = (
        sa.select(Lead)
        .options(joinedload(Lead.company), joinedload(Lead.owner))
        .where(Lead.event_id == event_id, Lead.archived_at.is_(None))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(limit)
    )
    return db.session.scalars(scope(stmt, Lead, user)).unique().all()


def _natural(text: str) -> tuple:
    """Sort key putting "Table 2" before "Table 10"."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


@dataclass
class ScheduleDay:
    """One day of an event's one-to-one schedule on the event's clock.

    ``columns`` are the tables/rooms used that day (``None``: no table given),
    ``rows`` are (local start time, [meetings in each column]) in time order."""

    day: dt.date
    meetings: list[Meeting]
    columns: list[str | None]
    rows: list[tuple[dt.time, list[list[Meeting]]]]


def schedule(meetings: list[Meeting], zone: ZoneInfo) -> list[ScheduleDay]:
    """Meetings (sorted by start) as a grid per local day: time slots × tables."""
    days = []
    for day, group in by_local_day(meetings, zone):
        locations = {m.location or None for m in group}
        columns = sorted((loc for loc in locations if loc), key=_natural) + ([None] if None in locations else [])
        index = {loc: i for i, loc in enumerate(columns)}
        slots: dict[dt.time, list[list[Meeting]]] = {}
        for m in group:
            local = m.starts_at.astimezone(zone).time().replace(tzinfo=None)
            cells = slots.setdefault(local, [[] for _ in columns])
            cells[index[m.location or None]].append(m)
        days.append(ScheduleDay(day, group, columns, sorted(slots.items())))
    return days
