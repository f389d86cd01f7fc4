"""Read helpers for tasks."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..i18n import user_today
from .models import Task

OPEN_LIMIT = 200  # open tasks per page
DONE_LIMIT = 20  # recently completed tasks shown under the open ones


def open_task_count(user, today: dt.date | None = None) -> tuple[int, int]:
    """(open tasks, of which overdue or due today) for the header badge: one query."""
    today = today or user_today(user)
    due = sa.case((sa.and_(Task.due_on.is_not(None), Task.due_on <= today), 1), else_=0)
    stmt = sa.select(sa.func.count(Task.id), sa.func.coalesce(sa.func.sum(due), 0)).where(
        Task.done_at.is_(None), Task.archived_at.is_(None)
    )
    stmt = stmt.where(Task.owner_id == user.id)  # "my tasks", even for managers
    total, due_now = db.session.execute(stmt).one()
    return int(total), int(due_now)


def _owned(stmt: sa.Select, user, owner_id: int | None, everyone: bool) -> sa.Select:
    """Reps: their own tasks. Managers: their own, one owner's, or everyone's."""
    if not user.is_manager:
        return stmt.where(Task.owner_id == user.id)
    if everyone:
        return stmt
    return stmt.where(Task.owner_id == (owner_id or user.id))


def task_lists(user, *, owner_id: int | None = None, everyone: bool = False, archived: bool = False) -> dict:
    """Open tasks (overdue first, then due today, then by due date, then undated) and
    recently completed ones: two queries whatever the number of tasks."""
    base = sa.select(Task).options(joinedload(Task.owner))
    base = _owned(base, user, owner_id, everyone)
    if archived:
        rows = db.session.scalars(
            base.where(Task.archived_at.is_not(None)).order_by(Task.archived_at.desc(), Task.id.desc())
            .limit(OPEN_LIMIT)
        ).unique().all()
        return {"open": [], "done": [], "archived": rows}
    base = base.where(Task.archived_at.is_(None))
    open_rows = db.session.scalars(
        base.where(Task.done_at.is_(None))
        .order_by(sa.case((Task.due_on.is_(None), 1), else_=0), Task.due_on, Task.id)
        .limit(OPEN_LIMIT)
    ).unique().all()
    done_rows = db.session.scalars(
        base.where(Task.done_at.is_not(None)).order_by(Task.done_at.desc(), Task.id.desc()).limit(DONE_LIMIT)
    ).unique().all()
    return {"open": open_rows, "done": done_rows, "archived": []}


def group_open(tasks, today: dt.date) -> list[tuple[str, list[Task]]]:
    """[(group key, tasks)] in display order: overdue, today, upcoming, no date (empty groups left out)."""
    groups: dict[str, list[Task]] = {"overdue": [], "today": [], "upcoming": [], "undated": []}
    for task in tasks:
        if task.due_on is None:
            groups["undated"].append(task)
        elif task.due_on < today:
            groups["overdue"].append(task)
        elif task.due_on == today:
            groups["today"].append(task)
        else:
            groups["upcoming"].append(task)
    return [(key, rows) for key, rows in groups.items() if rows]


def task_subjects(user, tasks) -> dict[tuple[str, int], object]:
    """{(kind, id): record} for the records the tasks hang off that ``user`` may see:
    at most one query per kind, whatever the number of tasks."""
    from ..companies.models import Company, Contact
    from ..deals.models import Deal
    from ..leads.models import Lead
    from ..meetings.models import Meeting
    from ..permissions import scope

    models = {"deal": Deal, "lead": Lead, "company": Company, "contact": Contact, "meeting": Meeting}
    found: dict[tuple[str, int], object] = {}
    for kind, model in models.items():
        ids = {getattr(t, f"{kind}_id") for t in tasks} - {None}
        if not ids:
            continue
        stmt = sa.select(model).where(model.id.in_(ids))
        if kind == "meeting":
            stmt = stmt.options(joinedload(Meeting.company))
        if kind == "lead":
            stmt = stmt.options(joinedload(Lead.company))
        if hasattr(model, "owner_id"):
            stmt = scope(stmt, model, user)
        for obj in db.session.scalars(stmt).unique():
            found[(kind, obj.id)] = obj
    return found


def task_subject(task) -> tuple[str, int] | tuple[None, None]:
    for kind in ("deal", "lead", "company", "contact", "meeting"):
        ident = getattr(task, f"{kind}_id")
        if ident is not None:
            return kind, ident
    return None, None
