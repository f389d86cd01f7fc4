"""The pipeline board: columns with counts and converted totals, more cards on demand, and moves.

Routes (on the deals blueprint):

* GET  /deals/pipeline?type=…&owner=…&country=…&title=…&close_from=…&close_to=…
* GET  /deals/pipeline/column?type=…&stage=…&after=…  (next page of one column;
  an HTML fragment for the board's script, a full page without it)
* POST /deals/<id>/move  JSON ``{"stage_id", "version", "reason"?, "signed_on"?}``
  → 200 / 400 / 404 / 409 JSON; or a form post → redirect to the board with a flash.

A rep only sees and moves their own deals; another rep's deal answers 404.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..auth.models import User
from ..choices import country_choices
from ..enums import DealType
from ..extensions import db
from ..i18n import date as format_date
from ..i18n import money, ui_lang
from ..listing import date_arg
from ..permissions import scope
from ..rates.services import convert_totals, rate_table
from . import bp
from .models import Deal
from .moves import ConflictError, MoveError, move_deal
from .queries import BoardFilters, board_stage, column_cards, column_totals, decode_cursor, pipeline_columns
from .stages import stages_for_type


def _board_type() -> DealType:
    value = request.values.get("type")
    if not value:
        return DealType.DISTRIBUTION
    try:
        return DealType(value)
    except ValueError:
        abort(404)


def _filters() -> BoardFilters:
    country = (request.args.get("country") or "").strip().upper()
    return BoardFilters(
        owner_id=request.args.get("owner", type=int) if current_user.is_manager else None,
        country=country if len(country) == 2 and country.isalpha() else None,
        title=(request.args.get("title") or "").strip()[:100] or None,
        close_from=date_arg(request.args.get("close_from")),
        close_to=date_arg(request.args.get("close_to")),
    )


def total_text(total) -> dict[str, str]:
    """A column total as shown: the amount, "at rates of <date>" and the currencies left out."""
    return {
        "amount": money(total.amount, total.currency),
        "rates": _("at rates of %(date)s", date=format_date(total.rate_date)) if total.rate_date else "",
        "missing": _("Not added (no rate): %(currencies)s", currencies=", ".join(total.missing))
        if total.missing else "",
    }


def _money_shape(currency: str) -> tuple[str, str, int] | None:
    """(prefix, suffix, decimals) of ``currency`` in the active language when it groups digits
    with "," and marks decimals with "." (English and Chinese do); None otherwise."""
    from decimal import Decimal

    sample = money(Decimal("1234567.89"), currency)
    for digits, decimals in (("1,234,567.89", 2), ("1,234,568", 0)):
        if sample.count(digits) == 1:
            prefix, suffix = sample.split(digits)
            if not any(c.isdigit() for c in prefix + suffix):
                return prefix, suffix, decimals
    return None


def card_urls(deal_type: DealType, filters: BoardFilters) -> dict[str, str]:
    """What the cards are drawn with: their links' pieces and a memoised amount formatter
    (see deals/_board_cards.html)."""
    formats: dict[str, tuple[str, str, int] | None] = {}

    def card_money(amount, currency) -> str:
        # Babel's currency formatting costs about 0.1 ms a call, and a board shows 180 amounts:
        # learn each currency's affixes and decimals once from Babel, then format in Python.
        if currency not in formats:
            formats[currency] = _money_shape(currency)
        shape = formats[currency]
        if shape is None or amount is None:
            return money(amount, currency)
        prefix, suffix, decimals = shape
        return f"{prefix}{amount:,.{decimals}f}{suffix}"

    return {
        "deals_root": url_for("deals.index"),
        "move_query": "?" + urlencode({"type": deal_type.value, **filters.args()}),
        "card_money": card_money,
    }


def count_text(count: int) -> str:
    return ngettext("%(num)d deal", "%(num)d deals", count)


@bp.route("/pipeline")
@login_required
def pipeline():
    """The board of one deal type; a rep sees only their own deals."""
    deal_type = _board_type()
    filters = _filters()
    table = rate_table()
    columns = pipeline_columns(current_user, deal_type, filters, to_ccy=current_user.reporting_currency, table=table)
    owners = []
    if current_user.is_manager:
        owners = db.session.execute(
            sa.select(User.id, User.name).where(User.active).order_by(User.name)
        ).all()
    return render_template(
        "deals/pipeline.html", columns=columns, deal_type=deal_type, DealType=DealType, filters=filters,
        owners=owners, filter_args=filters.args(), countries=country_choices(_("Any country")),
        total_text=total_text, count_text=count_text, **card_urls(deal_type, filters),
    )


@bp.route("/pipeline/column")
@login_required
def pipeline_column():
    """The next page of one column after the ``after`` cursor (404 for an unknown stage)."""
    deal_type = _board_type()
    stage = board_stage(deal_type, request.args.get("stage", type=int) or 0)
    if stage is None:
        abort(404)
    filters = _filters()
    cards = column_cards(current_user, deal_type, [stage.id], filters, after=decode_cursor(request.args.get("after")))
    deals, cursor = cards.get(stage.id, ([], None))
    template = "deals/_board_cards.html" if request.args.get("fragment") else "deals/pipeline_column.html"
    return render_template(
        template, stage=stage, deals=deals, next_cursor=cursor, deal_type=deal_type, filter_args=filters.args(),
        stages=stages_for_type(deal_type), **card_urls(deal_type, filters),
    )


def _move_input() -> dict:
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data if isinstance(data, dict) or hasattr(data, "get") else {}

    def as_int(name):
        try:
            return int(data.get(name))
        except (TypeError, ValueError):
            return None

    signed = data.get("signed_on") or None
    try:
        signed_on = dt.date.fromisoformat(signed) if signed else None
    except (TypeError, ValueError):
        signed_on = None
    return {
        "stage_id": as_int("stage_id"), "version": as_int("version"), "reason": data.get("reason") or None,
        "signed_on": signed_on, "override_reason": data.get("override_reason") or None,
        "bad_date": bool(signed) and signed_on is None,
    }


@bp.route("/<int:deal_id>/move", methods=["POST"])
@login_required
def move(deal_id: int):
    """Move a deal to another stage of its pipeline. 404 when the deal is not the user's to see."""
    wants_json = request.is_json
    deal = db.session.scalar(scope(sa.select(Deal).where(Deal.id == deal_id), Deal, current_user))
    if deal is None:
        if wants_json:
            return jsonify(error=_("This deal does not exist or is not yours.")), 404
        abort(404)
    filters = _filters()
    back = url_for("deals.pipeline", type=deal.deal_type.value, **filters.args())
    data = _move_input()
    stage = board_stage(deal.deal_type, data["stage_id"]) if data["stage_id"] else None
    try:
        if stage is None:
            raise MoveError(_("Choose a stage of this deal's pipeline."))
        if data["version"] is None:
            raise MoveError(_("The deal's version is missing; reload the board."))
        if data["bad_date"]:
            raise MoveError(_("The signed date is not a date like 2017-05-24."))
        move_deal(deal, stage, current_user, expected_version=data["version"], reason=data["reason"],
                  signed_on=data["signed_on"], override_reason=data["override_reason"])
        db.session.commit()
    except ConflictError as error:
        db.session.rollback()
        if wants_json:
            return jsonify(error=str(error.message), stage_id=error.current_stage_id,
                           version=error.current_version), 409
        flash(str(error.message), "error")
        return redirect(back)
    except MoveError as error:
        db.session.rollback()
        if wants_json:
            return jsonify(error=str(error.message), field=error.field, stage_id=deal.stage_id,
                           version=deal.version), error.status
        flash(str(error.message), "error")
        return redirect(back)
    warnings = _rights_warnings(deal, stage)
    if not wants_json:
        flash(_("Moved to %(stage)s.", stage=stage.display_name(ui_lang())), "success")
        for warning in warnings:
            flash(warning, "warning")
        return redirect(back)
    table = rate_table()
    to_ccy = current_user.reporting_currency
    totals = column_totals(current_user, deal.deal_type, filters, to_ccy, table)
    columns = {}
    for column_stage in stages_for_type(deal.deal_type):
        count, total = totals.get(column_stage.id) or (0, convert_totals({}, to_ccy, table))
        columns[str(column_stage.id)] = {"count": count, "count_text": count_text(count), **total_text(total)}
    return jsonify(deal_id=deal.id, stage_id=deal.stage_id, version=deal.version, columns=columns,
                   message=_("Moved to %(stage)s.", stage=stage.display_name(ui_lang())), warnings=warnings)


def _rights_warnings(deal: Deal, stage) -> list[str]:
    """From negotiation on, a move reports the deal's rights conflicts in plain words."""
    from ..rights.services import conflict_warnings

    negotiation = next((s for s in stages_for_type(deal.deal_type) if s.key == "negotiation"), None)
    if stage.is_lost or negotiation is None or stage.position < negotiation.position:
        return []
    return conflict_warnings(deal)
