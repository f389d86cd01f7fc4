"""Contact pages: list (search, filters, sort, export), detail with activity,
create/edit with duplicate warnings, archive/restore and admin delete."""

from __future__ import annotations

from babel import Locale
from babel.lists import format_list
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..companies.duplicates import find_duplicate_contacts
from ..companies.forms import NoteForm
from ..companies.models import Contact
from ..companies.queries import company_detail
from ..companies.services import (
    AddressBookError,
    add_record_note,
    archive_record,
    create_contact,
    delete_record,
    describe_dependents,
    record_dependents,
    restore_record,
    update_contact,
)
from ..companies.views import EXPORT_FORMATS, archived_arg, list_args, search_arg
from ..enums import Role
from ..extensions import db
from ..i18n import ui_lang
from ..listing import export_response, sort_link_args
from ..permissions import role_required
from ..pickers import keep_archived
from ..timeline import timeline
from . import bp
from .forms import ContactForm
from .queries import ContactFilters, contact_activity, contact_detail, contact_export_rows, contact_list


def language_names(codes: str | None) -> str:
    """Space-separated ISO 639-1 codes ("zh en") as a list in the UI language:
    "Chinese and English" / "中文和英语"."""
    locale = Locale.parse(str(get_locale()))
    names = [locale.languages.get(code, code) for code in (codes or "").split()]
    return format_list(names, locale=locale) if names else ""


def _filters() -> ContactFilters:
    return ContactFilters(
        q=search_arg(),
        company_id=request.args.get("company", type=int),
        company_q=request.args.get("company_q", "").strip()[:100],
        archived=archived_arg(),
        sort=request.args.get("sort"),
    )


def _get_contact(contact_id: int) -> Contact:
    """The contact (archived ones too); 404 when it does not exist."""
    contact = contact_detail(contact_id)
    if contact is None:
        abort(404)
    return contact


@bp.route("/")
@login_required
def index():
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    pagination, sort = contact_list(filters, lang=ui_lang(), page=page)
    company = company_detail(filters.company_id) if filters.company_id else None
    return render_template(
        "contacts/index.html", pagination=pagination, filters=filters, sort=sort, q=filters.q,
        company=company, sort_link_args=sort_link_args, export_args=list_args(),
    )


@bp.route("/export")
@login_required
def export():
    """Exactly the filtered, sorted list (every page) as CSV or XLSX (?fmt=xlsx)."""
    fmt = request.args.get("fmt", "csv")
    if fmt not in EXPORT_FORMATS:
        abort(404)
    headers = [
        _("ID"), _("English name"), _("Chinese name"), _("Job title (English)"), _("Job title (Chinese)"),
        _("Company (English)"), _("Company (Chinese)"), _("Email"), _("Phone"), _("WeChat ID"),
        _("Languages spoken"), _("Notes"), _("Archived on"), _("Created on"),
    ]
    return export_response(fmt, "contacts", headers, contact_export_rows(_filters(), ui_lang()))


def _form(contact: Contact | None = None) -> ContactForm:
    """The form, filled from ``contact`` (or ?company=id for a new one); the contact's own
    company stays acceptable although archived."""
    if contact is None:
        return ContactForm(data={"company_id": request.args.get("company", type=int)})
    stored = (contact.languages or "").split()
    data = {name: getattr(contact, name) for name in ("name_en", "name_zh", "job_title_en", "job_title_zh",
                                                      "company_id", "email", "phone", "wechat_id", "notes")}
    data["languages"] = stored
    form = ContactForm(stored_languages=stored, data=data)
    keep_archived(form, contact.company_id)
    return form


def _unconfirmed_duplicates(form: ContactForm, exclude_id: int | None = None) -> list[Contact]:
    """Contacts with the same email or WeChat ID the user has not yet chosen to ignore."""
    found = find_duplicate_contacts(form.email.data, form.wechat_id.data, exclude_id)
    if {c.id for c in found} <= form.confirmed_ids():
        return []
    form.confirm_duplicates.data = ",".join(str(c.id) for c in found)
    return found


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Create a contact (?company=id preselects the company); a contact with the
    same email or WeChat ID is shown first and needs "Create anyway"."""
    form = _form()
    duplicates = []
    if form.validate_on_submit():
        duplicates = _unconfirmed_duplicates(form)
        if not duplicates:
            try:
                contact = create_contact(current_user, request.remote_addr, **form.record_fields())
            except AddressBookError as exc:
                form.name_en.errors.append(exc.args[0])
            else:
                db.session.commit()
                flash(_("Contact %(name)s created.", name=contact.display_name(ui_lang())), "success")
                return redirect(url_for(".detail", contact_id=contact.id))
    return render_template("contacts/form.html", form=form, contact=None, duplicates=duplicates)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contact_id: int):
    contact = _get_contact(contact_id)
    form = _form(contact)
    duplicates = []
    if form.validate_on_submit():
        old_email, old_wechat = (contact.email or "").lower(), contact.wechat_id or ""
        changed = ((form.email.data or "").lower(), form.wechat_id.data or "") != (old_email, old_wechat)
        duplicates = _unconfirmed_duplicates(form, contact.id) if changed else []
        if not duplicates:
            try:
                update_contact(contact, current_user, request.remote_addr, **form.record_fields())
            except AddressBookError as exc:
                form.name_en.errors.append(exc.args[0])
            else:
                db.session.commit()
                flash(_("Contact %(name)s saved.", name=contact.display_name(ui_lang())), "success")
                return redirect(url_for(".detail", contact_id=contact.id))
    return render_template("contacts/form.html", form=form, contact=contact, duplicates=duplicates)


@bp.route("/<int:contact_id>")
@login_required
def detail(contact_id: int):
    """A contact; its deals, leads, meetings and activity are limited to what the user may see."""
    return _render_detail(_get_contact(contact_id), NoteForm(formdata=None))


def _render_detail(contact: Contact, note_form: NoteForm, status: int = 200):
    return render_template(
        "contacts/detail.html",
        contact=contact,
        languages=language_names(contact.languages),
        activity_items=timeline(current_user, contact_id=contact.id),
        note_form=note_form,
        **contact_activity(current_user, contact.id),
    ), status


@bp.route("/<int:contact_id>/notes", methods=["POST"])
@login_required
def add_note(contact_id: int):
    contact = _get_contact(contact_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(contact, form, 400)
    add_record_note(contact, current_user, form.body.data, request.remote_addr)
    db.session.commit()
    flash(_("Note added."), "success")
    return redirect(url_for(".detail", contact_id=contact.id) + "#activity")


@bp.route("/<int:contact_id>/archive", methods=["POST"])
@login_required
def archive(contact_id: int):
    """Anyone may archive a shared address-book record; it can be restored."""
    contact = _get_contact(contact_id)
    if archive_record(contact, current_user, request.remote_addr):
        db.session.commit()
        flash(_("Contact %(name)s archived. It no longer appears in lists; you can restore it here.",
                name=contact.display_name(ui_lang())), "success")
    return redirect(url_for(".detail", contact_id=contact.id))


@bp.route("/<int:contact_id>/restore", methods=["POST"])
@login_required
def restore(contact_id: int):
    contact = _get_contact(contact_id)
    if restore_record(contact, current_user, request.remote_addr):
        db.session.commit()
        flash(_("Contact %(name)s restored.", name=contact.display_name(ui_lang())), "success")
    return redirect(url_for(".detail", contact_id=contact.id))


@bp.route("/<int:contact_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete(contact_id: int):
    """Admins only (403 otherwise). GET asks for confirmation; POST deletes, unless
    other records depend on the contact (then it says which, and nothing is deleted).
    Meeting attendance goes with the contact."""
    contact = _get_contact(contact_id)
    if request.method == "POST":
        name = contact.display_name(ui_lang())
        blocking = delete_record(contact, current_user, request.remote_addr)
        if not blocking:
            db.session.commit()
            flash(_("Contact %(name)s deleted.", name=name), "success")
            return redirect(url_for(".index"))
        db.session.rollback()
        return render_template("contacts/delete.html", contact=contact,
                               blocking=describe_dependents(blocking)), 409
    return render_template("contacts/delete.html", contact=contact,
                           blocking=describe_dependents(record_dependents(contact)))
