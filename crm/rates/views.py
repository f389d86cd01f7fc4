"""Exchange rates (admins only; others get 403). Routes live on the admin blueprint: /admin/rates."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin import bp
from ..audit.models import record
from ..enums import Role
from ..extensions import db
from ..listing import paginate
from ..permissions import role_required
from .forms import RateForm
from .models import ExchangeRate
from .services import RateClashError, base_currency, is_currency, rate_changes, save_rate


@bp.route("/rates")
@role_required(Role.ADMIN)
def rates():
    currency = (request.args.get("currency") or "").strip().upper()
    stmt = sa.select(ExchangeRate).order_by(ExchangeRate.rate_date.desc(), ExchangeRate.base, ExchangeRate.currency)
    if currency:
        stmt = stmt.where(ExchangeRate.currency == currency)
    currencies = db.session.scalars(sa.select(ExchangeRate.currency).distinct().order_by(ExchangeRate.currency)).all()
    pagination = paginate(stmt, page=request.args.get("page", 1, type=int), per_page=50)
    return render_template("rates/index.html", pagination=pagination, currency=currency, currencies=currencies)


def _save(form: RateForm, rate: ExchangeRate | None):
    """Write the form's rate; None with the error on the date field when that date already has one."""
    try:
        rate = save_rate(rate, base=form.base.data, currency=form.currency.data, on=form.rate_date.data,
                         value=form.rate.data, source=form.source.data, user_id=current_user.id,
                         ip=request.remote_addr)
    except RateClashError:
        form.rate_date.errors.append(_("There is already a %(base)s/%(ccy)s rate on this date.",
                                       base=form.base.data, ccy=form.currency.data))
        return None
    db.session.commit()
    return rate


@bp.route("/rates/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def rate_create():
    form = RateForm()
    if request.method == "GET":
        form.base.data = base_currency()
        currency = (request.args.get("currency") or "").upper()
        if is_currency(currency):
            form.currency.data = currency
    if form.validate_on_submit():
        rate = _save(form, None)
        if rate is not None:
            flash(_("Rate saved: 1 %(base)s = %(rate)s %(ccy)s.", base=rate.base, rate=rate.rate, ccy=rate.currency),
                  "success")
            return redirect(url_for("admin.rates", currency=rate.currency))
    return render_template("rates/form.html", form=form, rate=None)


@bp.route("/rates/<int:rate_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def rate_edit(rate_id: int):
    rate = db.session.get(ExchangeRate, rate_id) or abort(404)
    form = RateForm(obj=rate)
    if request.method == "GET":
        form.rate.data = str(rate.rate)
    if form.validate_on_submit():
        saved = _save(form, rate)
        if saved is not None:
            flash(_("Rate saved: 1 %(base)s = %(rate)s %(ccy)s.", base=saved.base, rate=saved.rate,
                    ccy=saved.currency), "success")
            return redirect(url_for("admin.rates", currency=saved.currency))
    return render_template("rates/form.html", form=form, rate=rate)


@bp.route("/rates/<int:rate_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def rate_delete(rate_id: int):
    rate = db.session.get(ExchangeRate, rate_id) or abort(404)
    changes = rate_changes(rate)
    record("delete", user_id=current_user.id, entity=rate, ip=request.remote_addr, changes=changes)
    db.session.delete(rate)
    db.session.commit()
    flash(_("Rate deleted: %(ccy)s on %(date)s.", ccy=changes["currency"], date=changes["rate_date"]), "success")
    return redirect(url_for("admin.rates", currency=changes["currency"]))
