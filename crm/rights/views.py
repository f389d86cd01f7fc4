"""The "Check availability" page (thin: parse, call the service, render)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_login import login_required

from ..enums import Medium
from ..extensions import db
from ..titles.models import Title
from . import bp
from .forms import parse_query
from .messages import conflict_parts, describe
from .services import check_availability, deal_conflicts

TITLE_SUGGESTIONS = 300


def _title_suggestions() -> list[Title]:
    return list(db.session.scalars(
        sa.select(Title).where(Title.archived_at.is_(None)).order_by(Title.name_en, Title.id).limit(TITLE_SUGGESTIONS)
    ))


def conflict_items(conflicts) -> list[dict]:
    """Conflicts ready for templates/rights/_conflicts.html: the conflict, its
    sentence and its parts, in the active language."""
    return [{"conflict": c, "message": describe(c), **conflict_parts(c)} for c in conflicts]


@bp.app_template_global("rights_conflicts_for")
def deal_conflict_items(deal) -> list[dict]:
    """A deal's rights conflicts for its page (hard first); empty for co-productions."""
    return conflict_items(deal_conflicts(deal))


@bp.route("/")
@login_required
def index():
    """Check whether rights in a title are free; signed-in users only."""
    submitted = "check" in request.args or "title" in request.args
    query = parse_query(request.args) if submitted else None
    conflicts = None
    if query is not None and query.valid:
        found = check_availability(
            [query.title_obj.id], query.entries, query.media, query.start_date, query.end_date, query.exclusive,
        )
        conflicts = conflict_items(found)
    return render_template(
        "rights/index.html", query=query, conflicts=conflicts, Medium=Medium, suggestions=_title_suggestions(),
    )
