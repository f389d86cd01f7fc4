"""Who may see what. Rules are applied in queries, not only by hiding links.

* Reps see and edit their own leads, deals, meetings and tasks; managers and
  admins see and edit everyone's.
* Companies, contacts, events and titles are a shared address book.
* Admins alone manage users, stages and exchange rates.
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from .extensions import db


def role_required(*roles):
    """Require login and one of ``roles`` (Role members or values); else 403."""
    allowed = {getattr(r, "value", r) for r in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role.value not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def owner_restriction(user) -> int | None:
    """The only owner whose records ``user`` may see, or None when they may see everyone's."""
    return None if user.is_manager else user.id


def scope(stmt: sa.Select, model, user) -> sa.Select:
    """Restrict a SELECT on an owned model to what ``user`` may see."""
    owner_id = owner_restriction(user)
    return stmt if owner_id is None else stmt.where(model.owner_id == owner_id)


def visible(model, user) -> sa.Select:
    return scope(sa.select(model), model, user)


def get_visible_or_404(model, ident, user):
    """The record if it exists and ``user`` may see it; 404 otherwise (not 403,
    so a rep cannot learn which ids belong to colleagues)."""
    stmt = scope(sa.select(model).where(model.id == ident), model, user)
    obj = db.session.scalar(stmt)
    if obj is None:
        abort(404)
    return obj
