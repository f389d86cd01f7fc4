"""/deals/forecast: open deals by expected close month in the viewer's reporting currency."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from ..choices import COMMON_CURRENCIES
from ..enums import DealType
from ..i18n import user_today
from ..rates.services import is_currency
from . import bp
from .forecast import forecast


@bp.route("/forecast")
@login_required
def forecast_page():
    """Reps see their own deals, managers and admins everyone's (``scope``)."""
    currency = (request.args.get("currency") or "").strip().upper()
    if not is_currency(currency):
        currency = current_user.reporting_currency
    try:
        deal_type = DealType(request.args.get("type")) if request.args.get("type") else None
    except ValueError:
        deal_type = None
    result = forecast(current_user, currency, today=user_today(current_user), deal_type=deal_type)
    currencies = list(dict.fromkeys([current_user.reporting_currency, *COMMON_CURRENCIES, currency]))
    return render_template("deals/forecast.html", forecast=result, currencies=currencies, deal_type=deal_type,
                           DealType=DealType)
