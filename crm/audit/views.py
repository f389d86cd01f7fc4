"""/admin/audit: the append-only audit log, filterable and exportable (admins only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from ..admin import bp
from ..auth.models import User
from ..enums import Role
from ..extensions import db
from ..i18n import day_range_utc
from ..listing import date_arg, export_response, paginate
from ..permissions import role_required
from .models import record
from .queries import ACTIONS, ENTITIES, AuditFilters, audit_query, describe_changes

PER_PAGE = 50


def _filters() -> tuple[AuditFilters, dict]:
    args = request.args
    start, end = date_arg(args.get("from")), date_arg(args.get("to"))
    user_id = args.get("user", type=int)
    action = args.get("action") if args.get("action") in ACTIONS else None
    entity = args.get("entity") if args.get("entity") in ENTITIES else None
    filters = AuditFilters(
        action=action, user_id=user_id, entity_type=entity,
        # "to" is inclusive: up to the midnight that ends it, in the viewer's time zone
        start=day_range_utc(start, end, get_timezone())[0],
        end=day_range_utc(start, end, get_timezone())[1],
    )
    shown = {"action": action or "", "user": user_id or "", "entity": entity or "",
             "from": start.isoformat() if start else "", "to": end.isoformat() if end else ""}
    return filters, shown


@bp.route("/audit")
@role_required(Role.ADMIN)
def audit():
    filters, shown = _filters()
    stmt = audit_query(filters)
    users = db.session.execute(sa.select(User.id, User.name).order_by(User.name)).all()
    names = dict(users)
    fmt = request.args.get("fmt")
    if fmt in ("csv", "xlsx"):
        rows = db.session.scalars(stmt.limit(100_000)).all()
        record("export", user_id=current_user.id, ip=request.remote_addr,
               changes={"list": "audit", "format": fmt, "rows": len(rows)})
        db.session.commit()
        return export_response(fmt, "audit-log", [
            _("When (UTC)"), _("User"), _("Action"), _("Record"), _("Record ID"), _("Details"), _("IP address"),
        ], [
            (e.at.isoformat(), names.get(e.user_id, ""), str(ACTIONS.get(e.action, e.action)),
             str(ENTITIES.get(e.entity_type, e.entity_type or "")), e.entity_id, describe_changes(e.changes), e.ip)
            for e in rows
        ])
    page = paginate(stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    export_args = {k: v for k, v in shown.items() if v}
    return render_template(
        "admin/audit.html", pagination=page, shown=shown, users=users, names=names, actions=ACTIONS,
        entities=ENTITIES, describe_changes=describe_changes, export_args=export_args,
    )
