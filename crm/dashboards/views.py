"""/dashboard/: the pipeline dashboard, and each of its tables as CSV or XLSX.

Managers and admins see everyone's figures and may filter by owner; reps see
their own (``scope``), plus their tasks due and meetings coming up.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..choices import COMMON_CURRENCIES
from ..db_types import utcnow
from ..enums import DealType
from ..extensions import db
from ..i18n import ui_lang, user_today
from ..listing import export_response
from ..meetings.models import Meeting
from ..rates.services import rate_table
from ..tasks.models import Task
from ..territories import territory_name
from . import bp
from .figures import Dashboard, build_dashboard
from .filters import ALL_TIME, parse_filters, presets
from .formatting import Formats

EXPORT_FORMATS = ("csv", "xlsx")
AGENDA = 8



def _country(code: str | None) -> str:
    return territory_name(code) if code else _("Unknown")


def _dashboard() -> Dashboard:
    f = parse_filters(request.args, current_user, today=user_today(current_user),
                      default_stuck_days=current_app.config.get("CRM_STUCK_DAYS", 30))
    return build_dashboard(current_user, f, rate_table(f.rate_on), lang=ui_lang(), country_name=_country)


def agenda(user) -> tuple[list[Task], list[Meeting]]:
    """The user's own open tasks (soonest due first) and meetings coming up (two queries)."""
    tasks = db.session.scalars(
        sa.select(Task).where(Task.owner_id == user.id, Task.archived_at.is_(None), Task.done_at.is_(None))
        .order_by(Task.due_on.is_(None), Task.due_on, Task.id).limit(AGENDA)
    ).all()
    meetings = db.session.scalars(
        sa.select(Meeting).options(sa.orm.joinedload(Meeting.company), sa.orm.joinedload(Meeting.event))
        .where(Meeting.owner_id == user.id, Meeting.archived_at.is_(None),
               Meeting.starts_at >= utcnow() - dt.timedelta(hours=1))
        .order_by(Meeting.starts_at, Meeting.id).limit(AGENDA)
    ).unique().all()
    return tasks, meetings


@bp.route("/")
@login_required
def index():
    """Reps see their own deals, leads and meetings; managers and admins everyone's."""
    d = _dashboard()
    tasks, meetings = agenda(current_user)
    currencies = list(dict.fromkeys([current_user.reporting_currency, *COMMON_CURRENCIES, d.filters.currency]))
    return render_template(
        "dashboards/index.html", d=d, f=d.filters, tasks=tasks, meetings=meetings, currencies=currencies,
        DealType=DealType, presets=presets(d.filters.today), ALL_TIME=ALL_TIME,
        tables=TABLES, today=d.filters.today, fmt=Formats(),
    )


# ---------------------------------------------------------------------------
# Exports: each table as shown, with the amounts in the reporting currency
# ---------------------------------------------------------------------------


def _open_rows(rows):
    return [(r.label, r.count, r.value.amount, r.weighted.amount) for r in rows]


def _open_headers(first: str, ccy: str) -> list[str]:
    return [first, _("Deals"), _("Value (%(ccy)s)", ccy=ccy), _("Weighted value (%(ccy)s)", ccy=ccy)]


def _table(d: Dashboard, name: str) -> tuple[list[str], list[tuple]]:
    ccy = d.filters.currency
    if name == "stages":
        return _open_headers(_("Stage"), ccy), _open_rows(d.by_stage)
    if name == "types":
        return _open_headers(_("Deal type"), ccy), _open_rows(d.by_type)
    if name == "owners":
        return _open_headers(_("Owner"), ccy), _open_rows(d.by_owner)
    if name == "countries":
        return _open_headers(_("Country or region"), ccy), _open_rows(d.by_country)
    if name == "forecast":
        return (_open_headers(_("Expected close"), ccy),
                [(r.label, r.count, r.total.amount, r.weighted.amount) for r in d.forecast.rows])
    if name == "closed":
        rows = [(_("Won"), "", d.won.count, d.won.value.amount), (_("Lost"), "", d.lost.count, d.lost.value.amount)]
        rows += [(_("Lost"), r.label or _("No reason given"), r.count, r.value.amount) for r in d.lost_reasons]
        return [_("Outcome"), _("Loss reason"), _("Deals"), _("Value (%(ccy)s)", ccy=ccy)], rows
    if name == "stuck":
        return _open_headers(_("Stage"), ccy), _open_rows(d.stuck)
    if name == "events":
        headers = [_("Event"), _("Starts"), _("Meetings held"), _("Leads"), _("Deals"), _("Won"),
                   _("Deal value (%(ccy)s)", ccy=ccy), _("Won value (%(ccy)s)", ccy=ccy)]
        return headers, [(e.label, e.start_date, e.meetings_held, e.leads, e.deals, e.won, e.deal_value.amount,
                          e.won_value.amount) for e in d.funnels]
    abort(404)


TABLES = ("stages", "types", "owners", "countries", "forecast", "closed", "stuck", "events")


@bp.route("/export/<name>")
@login_required
def export(name: str):
    """One table of the dashboard, with the same filters, as CSV or XLSX (?fmt=xlsx); 404 for an unknown one."""
    fmt = request.args.get("fmt", "csv")
    if fmt not in EXPORT_FORMATS or name not in TABLES:
        abort(404)
    d = _dashboard()
    headers, rows = _table(d, name)
    return export_response(fmt, f"dashboard-{name}-{d.filters.currency}", headers, rows)
