"""/api/v1/exchange-rates: admins only, as in the UI (others get 403)."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import request

from ...audit.models import record
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...listing import paginate
from ...rates.models import ExchangeRate
from ...rates.services import RateClashError, is_currency, parse_rate, rate_changes, save_rate
from .. import fields as f
from ..core import Blueprint, Resource, get_or_404, page_body, require
from ..errors import ApiError, api_user
from ..schemas import ListQuerySchema, Schema, page_schema

rates = Blueprint("api_exchange_rates", __name__, url_prefix="/api/v1/exchange-rates",
                  description="Exchange rates: units of a currency that 1 unit of the base buys on a date. "
                              "Admins only.")


class RateSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    base = f.String(required=True, metadata={"description": "ISO 4217, e.g. USD", "example": "USD"})
    currency = f.String(required=True, metadata={"description": "ISO 4217, e.g. CNY", "example": "CNY"})
    rate_date = f.Date(required=True)
    rate = f.DecimalString(places=6, required=True, metadata={"description": 'e.g. "6.885200"'})
    source = f.String(max_length=120, allow_none=True)


class RateQuerySchema(ListQuerySchema):
    currency = f.String(max_length=3, load_default="")


RatePage = page_schema(RateSchema, "RatePage")


def _admin() -> None:
    require(api_user().is_admin)


def get_rate(rate_id: int) -> ExchangeRate:
    _admin()
    return get_or_404(ExchangeRate, rate_id)


def _save(rate: ExchangeRate | None, data: dict) -> ExchangeRate:
    """The UI's rules: ISO codes Babel knows, base ≠ currency, a positive rate with at most 6 decimals,
    one rate per (base, currency, date)."""
    values = {"base": rate.base if rate else None, "currency": rate.currency if rate else None,
              "rate_date": rate.rate_date if rate else None, "rate": rate.rate if rate else None,
              "source": rate.source if rate else None}
    values.update(data)
    errors = {}
    for key in ("base", "currency"):
        values[key] = (values[key] or "").strip().upper()
        if not is_currency(values[key]):
            errors[key] = [_l("Enter a three-letter ISO 4217 currency code, such as CNY.")]
    if values["base"] == values["currency"] and "currency" not in errors:
        errors["currency"] = [_l("The currency must differ from the base currency.")]
    if values["rate_date"] is None:
        errors["rate_date"] = ["Missing data for required field."]
    if values["rate"] is None or parse_rate(values["rate"]) is None:
        errors["rate"] = [_l("Enter a number greater than 0 with at most 6 decimals.")]
    if errors:
        raise ApiError(422, errors=errors)
    try:
        rate = save_rate(rate, base=values["base"], currency=values["currency"], on=values["rate_date"],
                         value=values["rate"], source=values["source"], user_id=api_user().id,
                         ip=request.remote_addr)
    except RateClashError as exc:
        raise ApiError(409, _l("There is already a %(base)s/%(ccy)s rate on this date.", base=values["base"],
                               ccy=values["currency"]), code="duplicate", current={"id": exc.clash.id}) from None
    db.session.commit()
    return rate


@rates.route("")
class Rates(Resource):
    @rates.arguments(RateQuerySchema, location="query")
    @rates.response(200, RatePage)
    @rates.alt_response(403, response="FORBIDDEN")
    def get(self, args):
        """List rates, newest date first (optionally of one currency)."""
        _admin()
        stmt = sa.select(ExchangeRate).order_by(ExchangeRate.rate_date.desc(), ExchangeRate.base,
                                                ExchangeRate.currency, ExchangeRate.id)
        if args["currency"]:
            stmt = stmt.where(ExchangeRate.currency == args["currency"].upper())
        return page_body(paginate(stmt, page=args["page"], per_page=args["per_page"]), "api_exchange_rates.Rates",
                         args)

    @rates.arguments(RateSchema)
    @rates.response(201, RateSchema)
    @rates.alt_response(403, response="FORBIDDEN")
    @rates.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Add a rate (409 when that base, currency and date already has one)."""
        _admin()
        return _save(None, data)


@rates.route("/<id:rate_id>")
class RateItem(Resource):
    @rates.response(200, RateSchema)
    @rates.alt_response(403, response="FORBIDDEN")
    @rates.alt_response(404, response="NOT_FOUND")
    def get(self, rate_id):
        """One rate."""
        return get_rate(rate_id)

    @rates.arguments(RateSchema(partial=True))
    @rates.response(200, RateSchema)
    @rates.alt_response(403, response="FORBIDDEN")
    @rates.alt_response(404, response="NOT_FOUND")
    @rates.alt_response(409, response="CONFLICT")
    def patch(self, data, rate_id):
        """Correct a rate."""
        rate = get_rate(rate_id)
        return _save(rate, {k: v for k, v in data.items() if v is not None or k == "source"})

    @rates.response(204)
    @rates.alt_response(403, response="FORBIDDEN")
    @rates.alt_response(404, response="NOT_FOUND")
    def delete(self, rate_id):
        """Delete a rate (rates are not archived; the deletion is audited)."""
        rate = get_rate(rate_id)
        record("delete", user_id=api_user().id, entity=rate, ip=request.remote_addr, changes=rate_changes(rate))
        db.session.delete(rate)
        db.session.commit()
