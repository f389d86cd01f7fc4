"""Read helpers for tasks."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..extensions import db
from .models import Task


def open_task_count(user, today: dt.date | None = None) -> tuple[int, int]:
    """(open tasks, of which overdue or due today) for the header badge: one query."""
    today = today or dt.date.today()
    due = sa.case((sa.and_(Task.due_on.is_not(None), Task.due_on <= today), 1), else_=0)
    stmt = sa.select(sa.func.count(Task.id), sa.func.coalesce(sa.func.sum(due), 0)).where(
        Task.done_at.is_(None), Task.archived_at.is_(None)
    )
    stmt = stmt.where(Task.owner_id == user.id)  # "my tasks", even for managers
    total, due_now = db.session.execute(stmt).one()
    return int(total), int(due_now)


