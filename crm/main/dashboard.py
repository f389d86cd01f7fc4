"""The home page's figures, computed in SQL and scoped to the user."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..db_types import Money, utcnow
from ..deals.models import Deal, PipelineStage
from ..extensions import db
from ..meetings.models import Meeting
from ..permissions import scope
from ..tasks.models import Task


def open_pipeline_by_currency(user) -> list[tuple[str, int, object]]:
    """(currency, deal count, total) of open deals; one row per currency because
    amounts in different currencies are never added without a stated rate."""
    stmt = (
        sa.select(Deal.currency, sa.func.count(Deal.id), sa.type_coerce(sa.func.sum(Deal.amount), Money()))
        .join(PipelineStage, Deal.stage_id == PipelineStage.id)
        .where(Deal.archived_at.is_(None), ~PipelineStage.is_won, ~PipelineStage.is_lost)
        .group_by(Deal.currency)
        .order_by(Deal.currency)
    )
    return [tuple(row) for row in db.session.execute(scope(stmt, Deal, user))]


def dashboard_data(user) -> dict:
    recent = scope(
        sa.select(Deal)
        .options(sa.orm.joinedload(Deal.stage), sa.orm.joinedload(Deal.company))
        .where(Deal.archived_at.is_(None))
        .order_by(Deal.updated_at.desc())
        .limit(8),
        Deal,
        user,
    )
    upcoming = (
        sa.select(Meeting)
        .options(sa.orm.joinedload(Meeting.company), sa.orm.joinedload(Meeting.event))
        .where(Meeting.archived_at.is_(None), Meeting.starts_at >= utcnow() - dt.timedelta(hours=1))
        .order_by(Meeting.starts_at)
        .limit(8)
    )
    tasks = (
        sa.select(Task)
        .where(Task.archived_at.is_(None), Task.done_at.is_(None))
        .order_by(Task.due_on.is_(None), Task.due_on)
        .limit(8)
    )
    return {
        "pipeline": open_pipeline_by_currency(user),
        "recent_deals": db.session.scalars(recent).unique().all(),
        "upcoming_meetings": db.session.scalars(scope(upcoming, Meeting, user)).unique().all(),
        "open_tasks": db.session.scalars(scope(tasks, Task, user)).all(),
    }
