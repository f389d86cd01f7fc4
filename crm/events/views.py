from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_interval, format_time, get_timezone_location
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..companies.models import Company
from ..enums import MeetingStatus
from ..extensions import db
from ..i18n import ui_lang
from ..pickers import keep_archived
from ..records import dependents
from . import bp
from .forms import AttendeeForm, EventForm
from .models import Event
from .queries import (
    event_counts,
    event_detail,
    event_leads,
    event_list,
    event_meetings,
    event_zone,
    schedule,
)
from .services import (
    EventError,
    add_attendee,
    archive_event,
    create_event,
    delete_event,
    remove_attendee,
    restore_event,
    update_event,
)

VIEWS = ("grid", "list")


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
def detail(event_id: int, attendee_form: AttendeeForm | None = None, status: int = 200):
    """An event (shared); its meetings and leads are limited to what the user may see.
    ``?view=grid`` (default) or ``?view=list`` chooses how the schedule is shown."""
    event = event_detail(event_id)
    if event is None:
        abort(404)
    view = request.args.get("view")
    view = view if view in VIEWS else "grid"
    meetings = event_meetings(current_user, event.id)
    lang = ui_lang()
    return render_template(
        "events/detail.html",
        event=event,
        view=view,
        companies=sorted(event.companies, key=lambda c: (c.display_name(lang).casefold(), c.id)),
        days=schedule(meetings, event_zone(event)),
        meeting_count=len(meetings),
        leads=event_leads(current_user, event.id),
        attendee_form=attendee_form or AttendeeForm(formdata=None),
        MeetingStatus=MeetingStatus,
    ), status


def _save(form: EventForm, event: Event | None):
    """Create or update from a validated form; None (with the error on its field) if a rule refuses it."""
    try:
        if event is None:
            return create_event(current_user, ip=request.remote_addr, **form.record_fields())
        update_event(event, current_user, ip=request.remote_addr, **form.record_fields())
        return event
    except EventError as exc:
        getattr(form, exc.field).errors.append(exc.message)
        return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = EventForm()
    if form.validate_on_submit():
        event = _save(form, None)
        if event is not None:
            db.session.commit()
            flash(_("Event created."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=None)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    form = EventForm(obj=event)
    keep_archived(form, event.organiser_id)
    if form.validate_on_submit() and _save(form, event) is not None:
        db.session.commit()
        flash(_("Event saved."), "success")
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=event)


@bp.route("/<int:event_id>/attendees", methods=["POST"])
@login_required
def add_company(event_id: int):
    event = event_detail(event_id) or abort(404)
    form = AttendeeForm()
    if not form.validate_on_submit():
        # The field says why (no match, several matches to choose from, archived): shown on the page.
        return detail(event.id, attendee_form=form, status=400)
    company = db.session.get(Company, form.company_id.data)
    if add_attendee(event, company, current_user, ip=request.remote_addr):
        db.session.commit()
        flash(_("%(company)s added to the attending companies.", company=company.display_name(ui_lang())),
              "success")
    else:
        flash(_("%(company)s already attends.", company=company.display_name(ui_lang())), "info")
    return redirect(url_for("events.detail", event_id=event.id, view=request.args.get("view")))


@bp.route("/<int:event_id>/attendees/<int:company_id>/remove", methods=["POST"])
@login_required
def remove_company(event_id: int, company_id: int):
    event = event_detail(event_id) or abort(404)
    if remove_attendee(event, company_id, current_user, ip=request.remote_addr):
        db.session.commit()
        flash(_("Company removed from the attending companies."), "success")
    return redirect(url_for("events.detail", event_id=event.id, view=request.args.get("view")))


@bp.route("/<int:event_id>/archive", methods=["POST"])
@login_required
def archive(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    archive_event(event, current_user, ip=request.remote_addr)
    db.session.commit()
    flash(_("Event archived. It is hidden from lists and can be restored."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/<int:event_id>/restore", methods=["POST"])
@login_required
def restore(event_id: int):
    event = db.session.get(Event, event_id) or abort(404)
    restore_event(event, current_user, ip=request.remote_addr)
    db.session.commit()
    flash(_("Event restored."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/<int:event_id>/delete", methods=["GET", "POST"])
@login_required
def delete(event_id: int):
    """Admins only (403 otherwise): GET asks for confirmation, POST deletes unless records depend on it."""
    if not current_user.is_admin:
        abort(403)
    event = db.session.get(Event, event_id) or abort(404)
    if request.method == "POST":
        blocking = delete_event(event, current_user, ip=request.remote_addr)
        if not blocking:
            db.session.commit()
            flash(_("Event deleted."), "success")
            return redirect(url_for("events.index"))
        db.session.rollback()
    else:
        blocking = dependents(event)
    return render_template("events/delete.html", event=event, blocking=blocking), (409 if blocking and
                                                                                  request.method == "POST" else 200)
