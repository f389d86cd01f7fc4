"""Meeting pages. Reps see and change only their own meetings (404 otherwise);
managers and admins see and change everyone's; only admins hard-delete."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.models import User
from ..choices import currency_choices
from ..companies.forms import NoteForm
from ..companies.models import Company, Contact
from ..enums import MeetingStatus
from ..events.models import Event
from ..extensions import db
from ..i18n import ui_lang, user_zone
from ..listing import date_arg, export_response, sort_link_args
from ..permissions import get_visible_or_404
from ..pickers import keep_archived
from ..records import dependents
from ..timeline import timeline
from . import bp
from .forms import MeetingForm, OutcomeForm
from .ics import meetings_calendar
from .models import Meeting
from .queries import (
    SORT_KEYS,
    WHEN,
    MeetingFilters,
    contact_choices,
    filter_events,
    meeting_detail,
    meeting_list,
    meeting_related,
    meetings_for_export,
    owner_choices,
)
from .services import (
    DealRequest,
    LeadRequest,
    MeetingError,
    TaskRequest,
    add_meeting_note,
    archive_meeting,
    create_meeting,
    delete_meeting,
    entry_zone,
    local_to_utc,
    log_outcome,
    restore_meeting,
    update_meeting,
    utc_to_local,
)

EXPORT_FORMATS = ("csv", "xlsx")


# --- list, exports ---------------------------------------------------------------

def _filters() -> MeetingFilters:
    """Filters from the URL (bookmarkable); unknown values are ignored."""
    when = request.args.get("when")
    return MeetingFilters(
        q=request.args.get("q", "").strip()[:100],
        status=request.args.get("status", type=MeetingStatus),
        event_id=request.args.get("event", type=int),
        owner_id=request.args.get("owner", type=int) if current_user.is_manager else None,
        date_from=date_arg(request.args.get("from")),
        date_to=date_arg(request.args.get("to")),
        when=when if when in WHEN else None,
        sort=request.args.get("sort"),
    )


@bp.route("/")
@login_required
def index():
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    pagination, sort = meeting_list(current_user, filters, lang=ui_lang(), zone=user_zone(current_user), page=page)
    return render_template(
        "meetings/index.html", pagination=pagination, filters=filters, sort=sort, SORT_KEYS=SORT_KEYS,
        sort_link_args=sort_link_args, events=filter_events(), MeetingStatus=MeetingStatus,
        owners=owner_choices() if current_user.is_manager else [],
        export_args={k: v for k, v in request.args.items() if k not in ("page", "fmt")},
    )


@bp.route("/export.<fmt>")
@login_required
def export(fmt: str):
    """CSV or XLSX of exactly the filtered list (all pages)."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    lang, zone = ui_lang(), user_zone(current_user)
    meetings = meetings_for_export(current_user, _filters(), lang=lang, zone=zone)
    headers = [_("Start"), _("End"), _("Time zone"), _("Company"), _("Contacts"), _("Event"), _("Table / room"),
               _("Status"), _("Owner"), _("Interest level"), _("Next step"), _("Follow up on"), _("Notes")]
    rows = (
        [
            m.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            m.ends_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            str(zone),
            m.company.display_name(lang) if m.company else "",
            ", ".join(c.display_name(lang) for c in m.contacts),
            m.event.display_name(lang) if m.event else "",
            m.location, str(m.status.label), m.owner.name, m.interest_level, m.next_step, m.follow_up_date, m.notes,
        ]
        for m in meetings
    )
    return export_response(fmt, "meetings", headers, rows)


@bp.route("/export.ics")
@login_required
def export_ics():
    """The user's visible meetings (the list's filters apply) as an iCalendar file."""
    lang = ui_lang()
    meetings = meetings_for_export(current_user, _filters(), lang=lang, zone=user_zone(current_user))
    body = meetings_calendar(meetings, lang=lang, host=request.host.split(":")[0] or "crm",
                             name=_("Meetings"))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="meetings.ics"'
    return response


# --- detail, notes -----------------------------------------------------------------

def _visible_meeting(meeting_id: int) -> Meeting:
    """The meeting if the user may see it; 404 otherwise (a rep and a colleague's meeting)."""
    return get_visible_or_404(Meeting, meeting_id, current_user)


@bp.route("/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    """A meeting; 404 when it does not exist or belongs to another rep."""
    meeting = meeting_detail(current_user, meeting_id)
    if meeting is None:
        abort(404)
    return _render_detail(meeting, NoteForm(formdata=None))


def _render_detail(meeting: Meeting, note_form: NoteForm, status: int = 200):
    return render_template(
        "meetings/detail.html", meeting=meeting, note_form=note_form,
        activity_items=timeline(current_user, meeting_id=meeting.id),
        **meeting_related(current_user, meeting.id),
    ), status


@bp.route("/<int:meeting_id>/notes", methods=["POST"])
@login_required
def add_note(meeting_id: int):
    meeting = meeting_detail(current_user, meeting_id) or abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        add_meeting_note(meeting, current_user, form.body.data, ip=request.remote_addr)
        db.session.commit()
        flash(_("Note added."), "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_detail(meeting, form, 400)


# --- create / edit ------------------------------------------------------------------

def _form_choices(meeting: Meeting | None, company_id: int | None) -> dict:
    lang = ui_lang()
    keep = [c.id for c in meeting.contacts] if meeting is not None else []
    return {
        "event_choices": [(e.id, e.display_name(lang)) for e in _events(meeting)],
        "user_choices": owner_choices(),
        "contact_choices": contact_choices(company_id, lang, keep),
    }


def _events(meeting: Meeting | None) -> list[Event]:
    """Active events, plus the meeting's own even if it has been archived since."""
    events = filter_events()
    if meeting is not None and meeting.event is not None and all(e.id != meeting.event_id for e in events):
        events.append(meeting.event)
    return events


def _chosen_company_id(meeting: Meeting | None) -> int | None:
    raw = request.form.get("company_id") if request.method == "POST" else request.args.get("company")
    try:
        return int(raw) if raw else (meeting.company_id if meeting is not None else None)
    except ValueError:
        return None


def _save_meeting(form: MeetingForm, meeting: Meeting | None) -> Meeting | None:
    """Create or update from a validated form; None with errors on the fields if a rule refuses it."""
    event = db.session.get(Event, form.event_id.data) if form.event_id.data else None
    starts_at = local_to_utc(form.start_date.data, form.start_time.data, entry_zone(event, current_user))
    contacts = _by_ids(Contact, form.contact_ids.data)
    users = _by_ids(User, form.user_ids.data)
    if current_user.is_manager and form.owner_id.data:
        owner = db.session.get(User, form.owner_id.data)
    else:
        owner = meeting.owner if meeting is not None else current_user
    fields = {
        "event_id": event.id if event else None, "company_id": form.company_id.data, "starts_at": starts_at,
        "duration_minutes": form.duration_minutes.data, "location": form.location.data,
        "status": form.status.data, "notes": form.notes.data, "interest_level": form.interest_level.data,
        "next_step": form.next_step.data, "follow_up_date": form.follow_up_date.data,
    }
    try:
        if meeting is None:
            return create_meeting(current_user, owner=owner, users=users, contacts=contacts,
                                  ip=request.remote_addr, **fields)
        update_meeting(meeting, current_user, owner=owner, users=users, contacts=contacts,
                       ip=request.remote_addr, **fields)
        return meeting
    except MeetingError as exc:
        _show_errors(form, exc.errors)
        return None


def _by_ids(model, ids) -> list:
    ids = list(ids or [])
    return list(db.session.scalars(sa.select(model).where(model.id.in_(ids)))) if ids else []


def _show_errors(form, errors: dict) -> None:
    aliases = {"contacts": "contact_ids", "body": "body"}
    for name, message in errors.items():
        field = getattr(form, aliases.get(name, name), None) or next(iter(form))
        field.errors = [*field.errors, message]


def _zone_names() -> dict:
    """{event id: IANA zone} for the form's hint next to the start time."""
    return {e.id: e.timezone for e in filter_events()}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    event_id = request.args.get("event", type=int)
    form = MeetingForm(**_form_choices(None, _chosen_company_id(None)))
    if request.method == "GET":
        form.event_id.data = event_id
        form.company_id.data = request.args.get("company", type=int)
        form.owner_id.data = current_user.id
        form.user_ids.data = [current_user.id]
        event = db.session.get(Event, event_id) if event_id else None
        if event is not None:
            form.start_date.data = event.start_date
    if form.validate_on_submit():
        meeting = _save_meeting(form, None)
        if meeting is not None:
            db.session.commit()
            flash(_("Meeting created."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_form(form, None)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = meeting_detail(current_user, meeting_id) or abort(404)
    form = MeetingForm(obj=meeting, **_form_choices(meeting, _chosen_company_id(meeting)))
    keep_archived(form, meeting.company_id)
    if request.method == "GET":
        form.start_date.data, form.start_time.data = utc_to_local(
            meeting.starts_at, entry_zone(meeting.event, current_user))
        form.status.data = meeting.status.value
        form.user_ids.data = [u.id for u in meeting.users]
        form.contact_ids.data = [c.id for c in meeting.contacts]
    if form.validate_on_submit() and _save_meeting(form, meeting) is not None:
        db.session.commit()
        flash(_("Meeting saved."), "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render_form(form, meeting)


def _render_form(form: MeetingForm, meeting: Meeting | None):
    status = 400 if request.method == "POST" else 200
    return render_template(
        "meetings/form.html", form=form, meeting=meeting, zones=_zone_names(),
        user_zone=str(user_zone(current_user)),
    ), status


@bp.route("/contacts.json")
@login_required
def company_contacts():
    """Contacts of ``?company=`` for the meeting form (the address book is shared)."""
    company = db.session.get(Company, request.args.get("company", type=int) or 0)
    if company is None:
        return jsonify([])
    return jsonify([{"id": i, "name": n} for i, n in contact_choices(company.id, ui_lang())])


# --- outcome ------------------------------------------------------------------------

def _safe_next(default: str) -> str:
    """A local URL to go back to (the schedule), never another site."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


@bp.route("/<int:meeting_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(meeting_id: int):
    """Log how the meeting went, optionally with a lead, a deal and a task, in one step."""
    meeting = meeting_detail(current_user, meeting_id) or abort(404)
    form = OutcomeForm(currency_choices=currency_choices())
    back = _safe_next(url_for("meetings.detail", meeting_id=meeting.id))
    if request.method == "GET":
        form.status.data = (meeting.status if meeting.status != MeetingStatus.SCHEDULED else MeetingStatus.HELD).value
        form.notes.data = meeting.notes
        form.interest_level.data = meeting.interest_level
        form.next_step.data = meeting.next_step
        form.follow_up_date.data = meeting.follow_up_date
        form.deal_currency.data = current_user.reporting_currency or "USD"
    if form.validate_on_submit():
        try:
            result = log_outcome(
                meeting, current_user, status=form.status.data, notes=form.notes.data,
                interest_level=form.interest_level.data, next_step=form.next_step.data,
                follow_up_date=form.follow_up_date.data,
                lead=LeadRequest(form.lead_deal_type.data or None, form.lead_summary.data)
                if form.create_lead.data else None,
                deal=DealRequest(form.deal_type.data, form.deal_amount.data, form.deal_currency.data)
                if form.create_deal.data else None,
                task=TaskRequest(form.task_subject.data, form.task_due_on.data) if form.create_task.data else None,
                ip=request.remote_addr,
            )
        except MeetingError as exc:
            _show_errors(form, exc.errors)
            meeting = meeting_detail(current_user, meeting_id) or abort(404)
        else:
            db.session.commit()
            flash(_outcome_message(result), "success")
            return redirect(back)
    return render_template("meetings/outcome.html", form=form, meeting=meeting, back=back), (
        400 if request.method == "POST" else 200)


def _outcome_message(result) -> str:
    if result.deal is not None and result.task is not None:
        return _("Outcome saved; a lead, a deal and a follow-up task were created.")
    if result.deal is not None:
        return _("Outcome saved; a lead and a deal were created.")
    if result.lead is not None and result.task is not None:
        return _("Outcome saved; a lead and a follow-up task were created.")
    if result.lead is not None:
        return _("Outcome saved; a lead was created.")
    if result.task is not None:
        return _("Outcome saved; a follow-up task was created.")
    return _("Outcome saved.")


# --- archive / restore / delete -------------------------------------------------------

@bp.route("/<int:meeting_id>/archive", methods=["POST"])
@login_required
def archive(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    archive_meeting(meeting, current_user, ip=request.remote_addr)
    db.session.commit()
    flash(_("Meeting archived. It is hidden from lists and can be restored."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/restore", methods=["POST"])
@login_required
def restore(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    restore_meeting(meeting, current_user, ip=request.remote_addr)
    db.session.commit()
    flash(_("Meeting restored."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/delete", methods=["GET", "POST"])
@login_required
def delete(meeting_id: int):
    """Admins only (403 otherwise): GET asks for confirmation, POST deletes unless records depend on it."""
    if not current_user.is_admin:
        abort(403)
    meeting = meeting_detail(current_user, meeting_id) or abort(404)
    status = 200
    if request.method == "POST":
        blocking = delete_meeting(meeting, current_user, ip=request.remote_addr)
        if not blocking:
            db.session.commit()
            flash(_("Meeting deleted."), "success")
            return redirect(url_for("meetings.index"))
        db.session.rollback()
        meeting = meeting_detail(current_user, meeting_id) or abort(404)
        status = 409
    else:
        blocking = dependents(meeting)
    return render_template("meetings/delete.html", meeting=meeting, blocking=blocking), status
