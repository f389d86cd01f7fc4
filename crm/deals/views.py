"""Deal pages: list, detail, create/edit with typed terms (conflict-safe),
archive and restore. Rules live in services.py and terms.py.
The pipeline board and stage moves are in board.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..choices import currency_choices
from ..enums import DealType
from ..extensions import db
from ..i18n import date as format_date
from ..i18n import number, ui_lang
from ..leads.queries import contact_choices, owner_choices
from ..permissions import get_visible_or_404
from ..pickers import company_fields, company_names, title_names
from ..territories import territory_name
from ..timeline import timeline
from . import bp
from .forms import PARTNER_ROWS, PAYMENT_ROWS, ArchiveForm, DealForm, deal_form_class
from .models import Deal
from .queries import deal_detail, deal_list
from .services import (
    DealConflictError,
    archive_deal,
    create_deal_with_terms,
    deal_values,
    differences,
    restore_deal,
    update_deal,
)
from .terms import DealError


def _deal_type_arg() -> DealType | None:
    value = request.args.get("type")
    if not value:
        return None
    try:
        return DealType(value)
    except ValueError:
        abort(404)


@bp.route("/")
@login_required
def index():
    deal_type = _deal_type_arg()
    page = request.args.get("page", 1, type=int)
    pagination = deal_list(current_user, deal_type=deal_type, page=max(page, 1))
    return render_template("deals/index.html", pagination=pagination, deal_type=deal_type, DealType=DealType)


@bp.route("/<int:deal_id>")
@login_required
def detail(deal_id: int):
    """A deal; 404 when it does not exist or belongs to another rep."""
    deal = deal_detail(current_user, deal_id)
    if deal is None:
        abort(404)
    return render_template(
        "deals/detail.html", deal=deal, activity_items=timeline(current_user, deal_id=deal.id),
        note_subject="deal", note_subject_id=deal.id, action_form=ArchiveForm(),
    )


# ---- create / edit ----------------------------------------------------------

def _prepare(form: DealForm, deal: Deal | None) -> None:
    """Fill the selects: contacts are those of the chosen company; archived records a
    deal already uses stay choosable. Companies and titles are searched for (crm/pickers.py),
    not listed."""
    lang = ui_lang()
    company_id = form.company_id.data or (deal.company_id if deal else None)
    form.contact_ids.choices = contact_choices(company_id, lang)
    currencies = currency_choices()
    if deal is not None and deal.currency not in {c for c, _label in currencies}:
        currencies.append((deal.currency, deal.currency))
    form.currency.choices = currencies
    if "budget_currency" in form._fields:
        form.budget_currency.choices = [("", "—"), *currencies]
    if "partners" in form._fields:
        while len(form.partners) < max(PARTNER_ROWS, sum(1 for r in form.partners if r.company_id.data) + 2):
            form.partners.append_entry()
    if "payments" in form._fields:
        filled = sum(1 for r in form.payments if r.percent.data is not None)
        while len(form.payments) < max(PAYMENT_ROWS, filled + 2):
            form.payments.append_entry()
    if deal is not None:
        # An archived company stays acceptable where the deal already has it: the counterpart field
        # keeps the counterpart, the partner rows keep the current partners.
        form.company_id.keep_ids |= {deal.company_id}
        partner_ids = {p.company_id for p in _partners(deal)}
        for field in company_fields(form):
            if field is not form.company_id:
                field.keep_ids |= partner_ids
        form.title_ids.keep_ids |= {t.id for t in deal.titles}
    if current_user.is_manager:
        form.owner_id.choices = owner_choices()
        if deal is not None and deal.owner_id not in {i for i, _name in form.owner_id.choices}:
            form.owner_id.choices.append((deal.owner_id, deal.owner.name))
    else:
        del form.owner_id


def _refresh_only() -> bool:
    """"Show this company's contacts" re-displays the form (nothing saved), JS-free."""
    return request.method == "POST" and "refresh_contacts" in request.form


def _render_form(form: DealForm, deal_type: DealType, deal: Deal | None, status: int = 200, conflict=None):
    return render_template("deals/form.html", form=form, deal_type=deal_type, deal=deal, conflict=conflict,
                           conflict_rows=_conflict_rows(form, conflict) if conflict else []), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Choose the type (?type=), then the form with that type's terms. The owner is the
    user; managers may choose another."""
    deal_type = _deal_type_arg()
    if deal_type is None:
        return render_template("deals/form.html", form=None, deal_type=None, deal=None, DealType=DealType)
    form_class = deal_form_class(deal_type)
    form = form_class()
    if request.method == "GET":
        form.company_id.data = request.args.get("company_id", type=int)
        form.currency.data = "USD"
    _prepare(form, None)
    if request.method == "GET" and "owner_id" in form._fields:
        form.owner_id.data = current_user.id
    if not _refresh_only() and form.validate_on_submit():
        try:
            deal = create_deal_with_terms(
                current_user, deal_type=deal_type, values=form.common_values(), terms=form.terms_values(),
                owner_id=form.owner_value(), ip=request.remote_addr,
            )
        except DealError as exc:
            db.session.rollback()
            form.apply_errors(exc.errors)
        else:
            db.session.commit()
            flash(_("Deal %(name)s created.", name=deal.display_name(ui_lang())), "success")
            _flash_rights_warnings(deal)
            return redirect(url_for(".detail", deal_id=deal.id))
    return _render_form(form, deal_type, None, 400 if form.has_errors else 200)


@bp.route("/<int:deal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(deal_id: int):
    """Edit a deal (its type stays); 404 for another rep's deal. A save based on a stale
    version answers 409 with what changed meanwhile and keeps what was typed."""
    deal = get_visible_or_404(Deal, deal_id, current_user)
    form_class = deal_form_class(deal.deal_type)
    if request.method == "GET":
        values, terms = deal_values(deal)
        form = form_class(formdata=None, data=form_class.data_from(values, terms))
        form.version.data = str(deal.version)
    else:
        form = form_class()
    _prepare(form, deal)
    if _refresh_only() or not form.validate_on_submit():
        return _render_form(form, deal.deal_type, deal, 400 if form.has_errors else 200)
    try:
        update_deal(
            deal, current_user, expected_version=_int_or_none(form.version.data), values=form.common_values(),
            terms=form.terms_values(), owner_id=form.owner_value(), ip=request.remote_addr,
        )
    except DealError as exc:
        db.session.rollback()
        form.apply_errors(exc.errors)
        return _render_form(form, deal.deal_type, deal, 400)
    except DealConflictError as exc:
        db.session.rollback()
        deal = get_visible_or_404(Deal, deal_id, current_user)  # as it is now
        form.version.data = str(deal.version)  # re-submitting applies the user's values deliberately
        return _render_form(form, deal.deal_type, deal, 409, conflict=differences(deal, exc.values, exc.terms))
    db.session.commit()
    flash(_("Deal %(name)s saved.", name=deal.display_name(ui_lang())), "success")
    _flash_rights_warnings(deal)
    return redirect(url_for(".detail", deal_id=deal.id))


def _flash_rights_warnings(deal: Deal) -> None:
    """Every save of a deal's terms checks them against signed grants and late-stage deals."""
    from ..rights.services import conflict_warnings

    for warning in conflict_warnings(deal):
        flash(warning, "warning")


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _conflict_rows(form: DealForm, changes) -> list[tuple[str, str, str]]:
    """(label, their value now, your value) for the conflict table."""
    rows = []
    for key, theirs, mine in changes:
        field = form._fields.get(key)
        label = field.label.text if field is not None else key
        rows.append((label, _display(form, key, theirs), _display(form, key, mine)))
    return rows


def _display(form: DealForm, key: str, value) -> str:
    def one(v, field_key=key):
        if v is None or v == "":
            return "—"
        if isinstance(v, bool):
            return _("Yes") if v else _("No")
        if hasattr(v, "label"):
            return str(v.label)
        if hasattr(v, "isoformat"):
            return format_date(v)
        if field_key in ("territories", "excluded"):
            return territory_name(v)
        if field_key == "company_id":
            return company_names([v]).get(v, str(v))
        field = form._fields.get(field_key)
        choices = getattr(field, "choices", None)
        if isinstance(choices, list | tuple) and choices:
            labels = {str(c[0]): str(c[1]) for c in choices if isinstance(c, tuple | list)}
            if str(v) in labels:
                return labels[str(v)]
        if hasattr(v, "as_tuple"):
            return number(v)
        return str(v)

    if isinstance(value, list):
        if not value:
            return "—"
        if key == "title_ids":
            names = title_names(value)
            return ", ".join(names.get(v, str(v)) for v in value)
        if isinstance(value[0], dict):
            names = company_names(row.get("company_id") for row in value)
            companies = {str(i): name for i, name in names.items()}
            parts = []
            for row in value:
                if "company_id" in row:
                    parts.append(_("%(company)s: financing %(financing)s%%, IP %(ip)s%%",
                                   company=companies.get(str(row["company_id"]), row["company_id"]),
                                   financing=one(row.get("financing_share"), "-"),
                                   ip=one(row.get("ip_share"), "-")))
                else:
                    parts.append(f"{one(row.get('percent'), '-')}% · {row.get('trigger_en') or ''}"
                                 f"{' / ' + row['trigger_zh'] if row.get('trigger_zh') else ''}")
            return "; ".join(parts)
        return ", ".join(one(v) for v in value)
    return one(value)


# ---- archive / restore ------------------------------------------------------

@bp.post("/<int:deal_id>/archive")
@login_required
def archive(deal_id: int):
    """Archive a deal (hidden from lists and the board); 404 for another rep's deal."""
    deal = get_visible_or_404(Deal, deal_id, current_user)
    if archive_deal(deal, current_user, request.remote_addr):
        db.session.commit()
        flash(_("Deal %(name)s archived. You can restore it from this page.",
                name=deal.display_name(ui_lang())), "success")
    return redirect(url_for(".detail", deal_id=deal.id))


@bp.post("/<int:deal_id>/restore")
@login_required
def restore(deal_id: int):
    deal = get_visible_or_404(Deal, deal_id, current_user)
    if restore_deal(deal, current_user, request.remote_addr):
        db.session.commit()
        flash(_("Deal %(name)s restored.", name=deal.display_name(ui_lang())), "success")
    return redirect(url_for(".detail", deal_id=deal.id))


def _partners(deal: Deal) -> list:
    """The co-production partners of ``deal`` (none for other types)."""
    return list(deal.coproduction.partners) if deal.coproduction is not None else []
