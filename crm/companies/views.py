"""Company pages: list (search, filters, sort, export), detail with activity,
create/edit with duplicate warnings, archive/restore, merge and admin delete."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..choices import country_choices, is_country
from ..enums import CompanyKind, Role
from ..extensions import db
from ..i18n import ui_lang
from ..listing import export_response, sort_link_args
from ..permissions import role_required
from ..search import search_clause
from ..timeline import timeline
from . import bp
from .duplicates import find_duplicate_companies
from .forms import CompanyForm, NoteForm
from .models import Company
from .queries import (
    ARCHIVED_FILTERS,
    CompanyFilters,
    company_activity,
    company_contacts,
    company_detail,
    company_export_rows,
    company_list,
)
from .services import (
    AddressBookError,
    add_record_note,
    archive_record,
    create_company,
    delete_record,
    describe_dependents,
    merge_companies,
    record_dependents,
    restore_record,
    update_company,
)

EXPORT_FORMATS = ("csv", "xlsx")


def search_arg() -> str:
    """The ``q`` filter, trimmed and bounded so a pasted essay cannot become a huge LIKE."""
    return request.args.get("q", "").strip()[:100]


def archived_arg() -> str:
    value = request.args.get("archived", "")
    return value if value in ARCHIVED_FILTERS else ""


def list_args(exclude: tuple[str, ...] = ("page",)) -> dict:
    """The list's current URL arguments (for export links and the like)."""
    return {k: v for k, v in request.args.items() if k not in exclude and v}


def _filters() -> CompanyFilters:
    country = request.args.get("country", "").strip().upper()
    kind = request.args.get("kind", "")
    return CompanyFilters(
        q=search_arg(),
        country=country if country and is_country(country) else None,  # unknown values are ignored
        kind=CompanyKind(kind) if kind in {k.value for k in CompanyKind} else None,
        archived=archived_arg(),
        sort=request.args.get("sort"),
    )


def _get_company(company_id: int) -> Company:
    """The company (archived ones too: old records link to them); 404 when it does not exist."""
    company = company_detail(company_id)
    if company is None:
        abort(404)
    return company


@bp.route("/")
@login_required
def index():
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    pagination, sort = company_list(filters, lang=ui_lang(), page=page)
    return render_template(
        "companies/index.html", pagination=pagination, filters=filters, sort=sort, q=filters.q,
        kind=filters.kind, CompanyKind=CompanyKind, countries=country_choices(), sort_link_args=sort_link_args,
        export_args=list_args(),
    )


@bp.route("/export")
@login_required
def export():
    """Exactly the filtered, sorted list (every page) as CSV or XLSX (?fmt=xlsx)."""
    fmt = request.args.get("fmt", "csv")
    if fmt not in EXPORT_FORMATS:
        abort(404)
    headers = [
        _("ID"), _("English name"), _("Chinese name"), _("Legal name (English)"), _("Legal name (Chinese)"),
        _("Kind"), _("Country code"), _("Country or region"), _("City"), _("Address (English)"),
        _("Address (Chinese)"), _("Website"), _("Notes"), _("Archived on"), _("Created on"),
    ]
    return export_response(fmt, "companies", headers, company_export_rows(_filters(), ui_lang()))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Create a company; possible duplicates are shown first and need "Create anyway"."""
    form = CompanyForm()
    duplicates = []
    if form.validate_on_submit():
        duplicates = _unconfirmed_duplicates(form)
        if not duplicates:
            try:
                company = create_company(current_user, request.remote_addr, **form.record_fields())
            except AddressBookError as exc:
                form.name_en.errors.append(exc.args[0])
            else:
                db.session.commit()
                flash(_("Company %(name)s created.", name=company.display_name(ui_lang())), "success")
                return redirect(url_for(".detail", company_id=company.id))
    return render_template("companies/form.html", form=form, company=None, duplicates=duplicates)


@bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
@login_required
def edit(company_id: int):
    company = _get_company(company_id)
    form = CompanyForm(obj=company)
    if request.method == "GET":
        form.kind.data = company.kind.value
    duplicates = []
    if form.validate_on_submit():
        renamed = (form.name_en.data or None, form.name_zh.data or None) != (company.name_en, company.name_zh)
        duplicates = _unconfirmed_duplicates(form, company.id) if renamed else []
        if not duplicates:
            try:
                update_company(company, current_user, request.remote_addr, **form.record_fields())
            except AddressBookError as exc:
                form.name_en.errors.append(exc.args[0])
            else:
                db.session.commit()
                flash(_("Company %(name)s saved.", name=company.display_name(ui_lang())), "success")
                return redirect(url_for(".detail", company_id=company.id))
    return render_template("companies/form.html", form=form, company=company, duplicates=duplicates)


def _unconfirmed_duplicates(form: CompanyForm, exclude_id: int | None = None) -> list[Company]:
    """Possible duplicates the user has not yet chosen to ignore. When there are
    some, the form carries all their ids so that "Create anyway" proceeds."""
    found = find_duplicate_companies(form.name_en.data, form.name_zh.data, exclude_id)
    if {c.id for c in found} <= form.confirmed_ids():
        return []
    form.confirm_duplicates.data = ",".join(str(c.id) for c in found)
    return found


@bp.route("/<int:company_id>")
@login_required
def detail(company_id: int):
    """A company; its deals, leads, meetings and activity are limited to what the
    user may see. 404 when the company does not exist."""
    return _render_detail(_get_company(company_id), NoteForm(formdata=None))


def _render_detail(company: Company, note_form: NoteForm, status: int = 200):
    return render_template(
        "companies/detail.html",
        company=company,
        contacts=company_contacts(company.id, ui_lang()),
        activity_items=timeline(current_user, company_id=company.id),
        note_form=note_form,
        duplicates=find_duplicate_companies(company.name_en, company.name_zh, company.id),
        **company_activity(current_user, company.id),
    ), status


@bp.route("/<int:company_id>/notes", methods=["POST"])
@login_required
def add_note(company_id: int):
    company = _get_company(company_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(company, form, 400)
    add_record_note(company, current_user, form.body.data, request.remote_addr)
    db.session.commit()
    flash(_("Note added."), "success")
    return redirect(url_for(".detail", company_id=company.id) + "#activity")


@bp.route("/<int:company_id>/archive", methods=["POST"])
@login_required
def archive(company_id: int):
    """Anyone may archive a shared address-book record; it can be restored."""
    company = _get_company(company_id)
    if archive_record(company, current_user, request.remote_addr):
        db.session.commit()
        flash(_("Company %(name)s archived. It no longer appears in lists; you can restore it here.",
                name=company.display_name(ui_lang())), "success")
    return redirect(url_for(".detail", company_id=company.id))


@bp.route("/<int:company_id>/restore", methods=["POST"])
@login_required
def restore(company_id: int):
    company = _get_company(company_id)
    if restore_record(company, current_user, request.remote_addr):
        db.session.commit()
        flash(_("Company %(name)s restored.", name=company.display_name(ui_lang())), "success")
    return redirect(url_for(".detail", company_id=company.id))


@bp.route("/<int:company_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete(company_id: int):
    """Admins only (403 otherwise). GET asks for confirmation; POST deletes, unless
    other records depend on the company (then it says which, and nothing is deleted)."""
    company = _get_company(company_id)
    if request.method == "POST":
        name = company.display_name(ui_lang())
        blocking = delete_record(company, current_user, request.remote_addr)
        if not blocking:
            db.session.commit()
            flash(_("Company %(name)s deleted.", name=name), "success")
            return redirect(url_for(".index"))
        db.session.rollback()
        return render_template("companies/delete.html", company=company,
                               blocking=describe_dependents(blocking)), 409
    blocking = record_dependents(company)
    return render_template("companies/delete.html", company=company, blocking=describe_dependents(blocking))


@bp.route("/<int:company_id>/merge", methods=["GET", "POST"])
@role_required(Role.MANAGER, Role.ADMIN)
def merge(company_id: int):
    """Managers and admins merge this company (a duplicate) into another (?into=id):
    GET chooses and confirms, POST merges. Reps get 403."""
    source = _get_company(company_id)
    into = request.values.get("into", type=int)
    target = company_detail(into) if into else None
    if into and target is None:
        abort(404)
    if request.method == "POST":
        if target is None:
            abort(400)
        try:
            moved = merge_companies(source, target, current_user, request.remote_addr)
        except AddressBookError as exc:
            db.session.rollback()
            flash(str(exc.args[0]), "error")
            return redirect(url_for(".merge", company_id=source.id))
        db.session.commit()
        flash(_("%(source)s was merged into %(target)s (%(moved)s moved) and archived.",
                source=source.display_name(ui_lang()), target=target.display_name(ui_lang()),
                moved=describe_dependents(moved) or _("nothing")), "success")
        return redirect(url_for(".detail", company_id=target.id))
    q = search_arg()
    candidates = []
    if q and target is None:
        candidates = db.session.scalars(
            sa.select(Company)
            .where(search_clause(Company, q), Company.id != source.id, Company.archived_at.is_(None))
            .order_by(Company.name_en, Company.id)
            .limit(20)
        ).all()
    return render_template(
        "companies/merge.html", source=source, target=target, q=q, candidates=candidates,
        duplicates=find_duplicate_companies(source.name_en, source.name_zh, source.id) if target is None else [],
        moving=describe_dependents(record_dependents(source)),
    )
