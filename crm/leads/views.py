"""Lead pages: list (filters, sort, export), detail, create/edit, qualification,
conversion into a deal, archive/restore and (admins) delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit.models import record
from ..choices import currency_choices
from ..companies.views import search_arg
from ..enums import LeadSource, LeadStatus
from ..extensions import db
from ..i18n import datetime as format_datetime
from ..i18n import ui_lang
from ..listing import date_arg, export_response, sort_link_args
from ..meetings.models import Meeting
from ..permissions import get_visible_or_404
from ..pickers import keep_archived
from ..timeline import timeline
from . import bp
from .forms import ConvertForm, DisqualifyForm, LeadForm
from .models import Lead
from .queries import (
    LeadFilters,
    contact_choices,
    event_choices,
    lead_deals,
    lead_detail,
    lead_list,
    lead_rows_for_export,
    meeting_choices,
    open_leads_for,
    owner_choices,
)
from .services import (
    LeadError,
    archive_lead,
    convert_lead,
    create_lead,
    delete_lead,
    disqualify_lead,
    qualify_lead,
    requalify_lead,
    restore_lead,
    suggested_deal_names,
    update_lead,
)


def _filters() -> LeadFilters:
    return LeadFilters(
        q=search_arg(),
        status=request.args.get("status", type=LeadStatus),  # unknown values are ignored
        owner_id=request.args.get("owner", type=int) if current_user.is_manager else None,
        event_id=request.args.get("event", type=int),
        source=request.args.get("source", type=LeadSource),
        created_from=date_arg(request.args.get("created_from")),
        created_to=date_arg(request.args.get("created_to")),
        archived=request.args.get("archived") == "1",
    )


@bp.route("/")
@login_required
def index():
    """Leads the user may see (reps: their own), filtered and sorted from the URL."""
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = lead_list(current_user, filters=filters, sort=request.args.get("sort"), page=page,
                           lang=ui_lang(), tz=str(get_timezone()))
    return render_template(
        "leads/index.html", pagination=pagination, filters=filters, status=filters.status,
        sort=pagination.sort_key, sort_link_args=sort_link_args, LeadStatus=LeadStatus, LeadSource=LeadSource,
        events=event_choices(ui_lang()), owners=owner_choices() if current_user.is_manager else [],
    )


@bp.route("/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str):
    """Exactly the filtered list (same filters and sort as the page), as CSV or XLSX."""
    lang = ui_lang()
    rows = lead_rows_for_export(current_user, _filters(), sort=request.args.get("sort"), lang=lang,
                                tz=str(get_timezone()))
    headers = [_("ID"), _("Summary"), _("Company (English)"), _("Company (Chinese)"), _("Contact"), _("Source"),
               _("Event"), _("Status"), _("Deal type"), _("Genre"), _("Owner"), _("Created")]

    def lines():
        for lead in rows:
            yield [
                lead.id, lead.summary, lead.company.name_en, lead.company.name_zh,
                lead.contact.display_name(lang) if lead.contact else "", str(lead.source.label),
                lead.event.display_name(lang) if lead.event else "", str(lead.status.label),
                str(lead.deal_type.label) if lead.deal_type else "", str(lead.genre.label) if lead.genre else "",
                lead.owner.name, lead.created_at,
            ]

    return export_response(fmt, "leads", headers, lines())


@bp.route("/<int:lead_id>")
@login_required
def detail(lead_id: int, disqualify_form: DisqualifyForm | None = None, status: int = 200):
    """A lead; 404 when it does not exist or belongs to another rep."""
    lead = lead_detail(current_user, lead_id)
    if lead is None:
        abort(404)
    # The source meeting may be a colleague's: name it, but link only if the user may open it.
    meeting_visible = lead.meeting is not None and (current_user.is_manager or lead.meeting.owner_id == current_user.id)
    return render_template(
        "leads/detail.html", lead=lead, meeting_visible=meeting_visible, deals=lead_deals(current_user, lead.id),
        items=timeline(current_user, lead_id=lead.id), disqualify_form=disqualify_form or DisqualifyForm(),
        note_subject="lead", note_subject_id=lead.id,
    ), status


# ---- create / edit ----------------------------------------------------------

def _meeting_label(meeting: Meeting) -> str:
    label = format_datetime(meeting.starts_at, "short")
    return f"{label} · {meeting.location}" if meeting.location else label


def _prepare(form: LeadForm, lead: Lead | None) -> None:
    """Fill the selects. Contacts and meetings are those of the chosen company."""
    lang = ui_lang()
    company_id = form.company_id.data or (lead.company_id if lead else None)
    blank = [("", "—")]
    if lead is not None:
        keep_archived(form, lead.company_id)
        form.title_ids.keep_ids |= {t.id for t in lead.titles}
    form.contact_id.choices = blank + contact_choices(company_id, lang, keep_id=lead.contact_id if lead else None)
    form.event_id.choices = blank + event_choices(lang, keep_id=lead.event_id if lead else None)
    form.meeting_id.choices = blank + [
        (m.id, _meeting_label(m))
        for m in meeting_choices(current_user, company_id, keep_id=lead.meeting_id if lead else None)
    ]
    if current_user.is_manager:
        form.owner_id.choices = owner_choices()
        if lead is not None and lead.owner_id not in {i for i, _name in form.owner_id.choices}:
            form.owner_id.choices.append((lead.owner_id, lead.owner.name))
    else:
        del form.owner_id


def _prefill_new(form: LeadForm) -> None:
    """From a company, event or meeting page: ?company_id=, ?event_id=, ?meeting_id=."""
    form.company_id.data = request.args.get("company_id", type=int)
    form.event_id.data = request.args.get("event_id", type=int)
    meeting_id = request.args.get("meeting_id", type=int)
    if meeting_id:
        meeting = get_visible_or_404(Meeting, meeting_id, current_user)
        form.meeting_id.data = meeting.id
        form.company_id.data = meeting.company_id or form.company_id.data
        form.event_id.data = meeting.event_id or form.event_id.data
        form.source.data = LeadSource.MEETING.value
        contacts = [c for c in meeting.contacts if c.company_id == meeting.company_id]
        if contacts:
            form.contact_id.data = contacts[0].id
    elif form.event_id.data:
        form.source.data = LeadSource.EVENT.value
    if "owner_id" in form._fields:
        form.owner_id.data = current_user.id


def _refreshing() -> bool:
    """The form came back by GET after the company changed (see leads/form.html): keep
    what was typed and offer that company's contacts and meetings."""
    return request.method == "GET" and request.args.get("refresh") == "1"


def _fields(form: LeadForm) -> dict:
    fields = {name: form[name].data for name in ("company_id", "contact_id", "source", "event_id", "meeting_id",
                                                 "deal_type", "genre", "summary", "notes")}
    if "owner_id" in form._fields and form.owner_id.data:
        fields["owner_id"] = form.owner_id.data
    return fields


def _apply_error(form: LeadForm, exc: LeadError) -> None:
    target = form[exc.field] if exc.field and exc.field in form._fields else form.summary
    target.errors = [*target.errors, str(exc.args[0])]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """New lead, owned by the user (managers may pick the owner). Warns first when
    the owner already has an open lead on the company."""
    if _refreshing():
        form = LeadForm(formdata=request.args)
    else:
        form = LeadForm()
        if request.method == "GET":
            _prefill_new(form)
    _prepare(form, None)
    duplicates = []
    if form.validate_on_submit():
        fields = _fields(form)
        owner_id = fields.pop("owner_id", current_user.id)
        duplicates = [] if form.create_anyway.data else open_leads_for(fields["company_id"], owner_id)
        if not duplicates:
            from ..auth.models import User

            owner = db.session.get(User, owner_id) or current_user
            try:
                lead = create_lead(owner=owner, title_ids=form.title_ids.data, **fields)
            except LeadError as exc:
                db.session.rollback()
                _apply_error(form, exc)
            else:
                record("create", user_id=current_user.id, entity=lead, ip=request.remote_addr)
                db.session.commit()
                flash(_("Lead created."), "success")
                return redirect(url_for("leads.detail", lead_id=lead.id))
    return render_template("leads/form.html", form=form, lead=None, duplicates=duplicates)


@bp.route("/<int:lead_id>/edit", methods=["GET", "POST"])
@login_required
def edit(lead_id: int):
    """Edit a lead; 404 for another rep's lead."""
    lead = get_visible_or_404(Lead, lead_id, current_user)
    form = LeadForm(formdata=request.args) if _refreshing() else LeadForm(obj=lead)
    if request.method == "GET" and not _refreshing():
        form.title_ids.data = [t.id for t in lead.titles]
        form.source.data = lead.source.value
        form.deal_type.data = lead.deal_type.value if lead.deal_type else None
        form.genre.data = lead.genre.value if lead.genre else None
    _prepare(form, lead)
    if form.validate_on_submit():
        try:
            update_lead(lead, title_ids=form.title_ids.data, **_fields(form))
        except LeadError as exc:
            db.session.rollback()
            lead = get_visible_or_404(Lead, lead_id, current_user)
            _apply_error(form, exc)
        else:
            record("update", user_id=current_user.id, entity=lead, ip=request.remote_addr)
            db.session.commit()
            flash(_("Lead saved."), "success")
            return redirect(url_for("leads.detail", lead_id=lead.id))
    return render_template("leads/form.html", form=form, lead=lead, duplicates=[])


# ---- qualification, archive, delete ----------------------------------------

def _change(lead_id: int, change, message: str, *args):
    lead = get_visible_or_404(Lead, lead_id, current_user)
    try:
        change(lead, *args)
    except LeadError as exc:
        flash(str(exc.args[0]), "error")
    else:
        record(change.__name__.removesuffix("_lead"), user_id=current_user.id, entity=lead, ip=request.remote_addr)
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("leads.detail", lead_id=lead.id))


@bp.post("/<int:lead_id>/qualify")
@login_required
def qualify(lead_id: int):
    return _change(lead_id, qualify_lead, _("Lead qualified."))


@bp.post("/<int:lead_id>/requalify")
@login_required
def requalify(lead_id: int):
    return _change(lead_id, requalify_lead, _("Lead requalified."))


@bp.post("/<int:lead_id>/disqualify")
@login_required
def disqualify(lead_id: int):
    """Disqualify with a reason; without one the page comes back with the error next to the field."""
    lead = get_visible_or_404(Lead, lead_id, current_user)
    form = DisqualifyForm()
    if form.validate_on_submit():
        try:
            disqualify_lead(lead, form.reason.data)
        except LeadError as exc:
            form.reason.errors = [*form.reason.errors, str(exc.args[0])]
        else:
            record("disqualify", user_id=current_user.id, entity=lead, ip=request.remote_addr,
                   changes={"reason": lead.disqualified_reason})
            db.session.commit()
            flash(_("Lead disqualified."), "success")
            return redirect(url_for("leads.detail", lead_id=lead.id))
    return detail(lead_id, disqualify_form=form, status=400)


@bp.post("/<int:lead_id>/archive")
@login_required
def archive(lead_id: int):
    return _change(lead_id, archive_lead, _("Lead archived. You can restore it from the archived leads."))


@bp.post("/<int:lead_id>/restore")
@login_required
def restore(lead_id: int):
    return _change(lead_id, restore_lead, _("Lead restored."))


@bp.route("/<int:lead_id>/delete", methods=["GET", "POST"])
@login_required
def delete(lead_id: int):
    """Admins only (403 otherwise): GET asks for confirmation, POST deletes unless records depend on it."""
    if not current_user.is_admin:
        abort(403)
    lead = get_visible_or_404(Lead, lead_id, current_user)
    blocking = {}
    if request.method == "POST":
        label = lead.summary or str(lead.id)
        record("delete", user_id=current_user.id, entity=lead, ip=request.remote_addr, changes={"summary": label})
        blocking = delete_lead(lead)
        if not blocking:
            db.session.commit()
            flash(_("Lead “%(name)s” deleted.", name=label), "success")
            return redirect(url_for("leads.index"))
        db.session.rollback()
        lead = get_visible_or_404(Lead, lead_id, current_user)
    else:
        from ..records import dependents

        blocking = dependents(lead)
    return render_template("leads/delete.html", lead=lead, blocking=blocking), (
        409 if blocking and request.method == "POST" else 200)


# ---- conversion --------------------------------------------------------------

@bp.route("/<int:lead_id>/convert", methods=["GET", "POST"])
@login_required
def convert(lead_id: int):
    """Turn the lead into a deal (company, contact, event, meeting and titles carry over)."""
    lead = lead_detail(current_user, lead_id) or abort(404)
    form = ConvertForm()
    form.currency.choices = currency_choices()
    if request.method == "GET":
        form.deal_type.data = (lead.deal_type.value if lead.deal_type else "distribution")
        form.name_en.data, form.name_zh.data = suggested_deal_names(lead)
        form.currency.data = getattr(current_user, "reporting_currency", None) or "USD"
    if form.validate_on_submit():
        if not (form.name_en.data or "").strip() and not (form.name_zh.data or "").strip():
            form.name_en.errors.append(_("Enter an English or a Chinese name (or both)."))
        else:
            try:
                deal = convert_lead(lead, current_user, deal_type=form.deal_type.data, currency=form.currency.data,
                                    amount=form.amount.data, name_en=form.name_en.data, name_zh=form.name_zh.data,
                                    expected_close_date=form.expected_close_date.data)
            except LeadError as exc:
                db.session.rollback()
                flash(str(exc.args[0]), "error")
                return redirect(url_for("leads.detail", lead_id=lead_id))
            record("convert", user_id=current_user.id, entity=lead, ip=request.remote_addr,
                   changes={"deal_id": deal.id})
            db.session.commit()
            flash(_("Lead converted into a deal."), "success")
            return redirect(url_for("deals.detail", deal_id=deal.id))
    return render_template("leads/convert.html", form=form, lead=lead)
