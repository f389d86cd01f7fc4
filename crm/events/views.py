from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_interval, format_time, get_timezone_location
from flask import abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from ..i18n import ui_lang
from . import bp
from .models import Event
from .queries import by_local_day, event_counts, event_detail, event_leads, event_list, event_meetings, event_zone


# App-wide filters: meeting pages show times on the event's clock too.
@bp.app_template_filter("event_time")
def event_time(value: dt.datetime | None, event: Event, fmt: str = "short") -> str:
    """``value`` as a time on ``event``'s local clock (a market schedule is read in local time)."""
    if value is None:
        return "—"
    return format_time(value, fmt, tzinfo=event_zone(event), locale=get_locale())


@bp.app_template_filter("event_date")
def event_date(value: dt.datetime | None, event: Event, fmt: str = "medium") -> str:
    """The local date of ``value`` at ``event``."""
    if value is None:
        return "—"
    return format_date(value.astimezone(event_zone(event)).date(), fmt, locale=get_locale())


@bp.app_template_filter("event_zone_name")
def event_zone_name(event: Event) -> str:
    """The event's time zone for people, e.g. "China (Shanghai) Time"."""
    return get_timezone_location(event_zone(event), locale=get_locale())


@bp.app_template_filter("date_range")
def date_range(start: dt.date, end: dt.date) -> str:
    """"May 23 – 25, 2017" / "2017年5月23日 – 25日"."""
    return format_interval(start, end, "yMMMd", locale=get_locale())


@bp.route("/")
@login_required
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = event_list(page=page)
    counts = event_counts(current_user, [e.id for e in pagination.items])
    return render_template("events/index.html", pagination=pagination, counts=counts)


@bp.route("/<int:event_id>")
@login_required
def detail(event_id: int):
    """An event (shared); its meetings and leads are limited to what the user may see."""
    event = event_detail(event_id)
    if event is None:
        abort(404)
    meetings = event_meetings(current_user, event.id)
    return render_template(
        "events/detail.html",
        event=event,
        companies=sorted(event.companies, key=lambda c: (c.display_name(ui_lang()).casefold(), c.id)),
        days=by_local_day(meetings, event_zone(event)),
        meeting_count=len(meetings),
        leads=event_leads(current_user, event.id),
    )
