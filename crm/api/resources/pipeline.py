"""/api/v1/pipeline/summary: the dashboard's figures as JSON, with the dashboard's filters.

Same rules as /dashboard/: reps get their own deals' figures, managers and admins
everyone's (and may filter by owner); every sum is converted into one reporting
currency at one stated rate date, and currencies without a rate are listed, never
added raw. Labels are in the Accept-Language language; keys are stable.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from babel import Locale
from flask import current_app
from marshmallow import validate

from ...dashboards.figures import build_dashboard
from ...dashboards.filters import MAX_STUCK_DAYS, parse_filters, presets
from ...enums import DealType
from ...i18n import user_today
from ...rates.services import is_currency, rate_table
from ...territories import territory_name
from .. import fields as f
from ..core import Blueprint, Resource
from ..errors import ApiError, api_language, api_user
from ..schemas import Schema

pipeline = Blueprint("api_pipeline", __name__, url_prefix="/api/v1/pipeline",
                     description="Pipeline summary: the dashboard's figures in one reporting currency.")

PERIODS = sorted(presets(dt.date.today()))
CURRENCIES = sorted(code for code in Locale("en").currencies if is_currency(code))


class SummaryQuerySchema(Schema):
    period = f.String(load_default=None, validate=[validate.OneOf(PERIODS, error="Must be one of: {choices}.")],
                      metadata={"description": "A named period (ignored when from/to are given); default: this "
                                               "year. `all` = all time."})
    start = f.QueryDate(data_key="from", load_default=None, metadata={"description": "First day, inclusive"})
    end = f.QueryDate(data_key="to", load_default=None, metadata={"description": "Last day, inclusive"})
    owner = f.Id(strict=False, load_default=None, metadata={"description": "Managers and admins only"})
    type = f.Enum(DealType, load_default=None)
    event = f.Id(strict=False, load_default=None)
    currency = f.String(load_default=None, validate=[validate.OneOf(CURRENCIES, error="Must be one of: {choices}.")],
                        metadata={"description": "Reporting currency (ISO 4217, upper case); default: the user's"})
    rates = f.QueryDate(load_default=None, metadata={"description": "Rate date; default: today"})
    stuck = f.Integer(strict=False, maximum=MAX_STUCK_DAYS, load_default=None,
                      metadata={"description": "Days in a stage after which an open deal counts as stuck"})


class TotalSchema(Schema):
    amount = ma.fields.String(metadata={"description": 'A decimal string, e.g. "125000.00"'})
    currency = ma.fields.String()
    rate_date = ma.fields.Date(allow_none=True, metadata={"description": "Oldest rate used; null: no conversion"})
    missing = ma.fields.List(ma.fields.String(), metadata={"description": "Currencies left out: no rate"})


class RowSchema(Schema):
    key = ma.fields.String(metadata={"description": "Stage key, deal type, owner id, country code or bucket"})
    label = ma.fields.String(metadata={"description": "In the Accept-Language language"})
    count = ma.fields.Integer()
    value = ma.fields.Nested(TotalSchema)
    weighted = ma.fields.Nested(TotalSchema, allow_none=True)


class FunnelSchema(Schema):
    event_id = ma.fields.Integer()
    label = ma.fields.String()
    start_date = ma.fields.Date()
    meetings_held = ma.fields.Integer()
    leads = ma.fields.Integer()
    deals = ma.fields.Integer()
    won = ma.fields.Integer()
    deal_value = ma.fields.Nested(TotalSchema, allow_none=True)
    won_value = ma.fields.Nested(TotalSchema, allow_none=True)


class PeriodSchema(Schema):
    start = ma.fields.Date(allow_none=True, data_key="from")
    end = ma.fields.Date(allow_none=True, data_key="to")


class SummarySchema(Schema):
    period = ma.fields.Nested(PeriodSchema)
    currency = ma.fields.String()
    rate_date = ma.fields.Date(allow_none=True)
    missing_rates = ma.fields.List(ma.fields.String())
    stuck_days = ma.fields.Integer()
    open = ma.fields.Nested(RowSchema, allow_none=True)
    by_stage = ma.fields.List(ma.fields.Nested(RowSchema))
    by_type = ma.fields.List(ma.fields.Nested(RowSchema))
    by_owner = ma.fields.List(ma.fields.Nested(RowSchema))
    by_country = ma.fields.List(ma.fields.Nested(RowSchema))
    forecast = ma.fields.List(ma.fields.Nested(RowSchema),
                              metadata={"description": "Keys: overdue, YYYY-MM for this month and the next 11, "
                                                       "later, no_date"})
    won = ma.fields.Nested(RowSchema, allow_none=True)
    lost = ma.fields.Nested(RowSchema, allow_none=True)
    lost_reasons = ma.fields.List(ma.fields.Nested(RowSchema))
    stuck = ma.fields.Nested(RowSchema, allow_none=True)
    funnels = ma.fields.List(ma.fields.Nested(FunnelSchema))


def _total(t) -> dict | None:
    if t is None:
        return None
    return {"amount": str(t.amount), "currency": t.currency, "rate_date": t.rate_date, "missing": list(t.missing)}


def _row(r) -> dict | None:
    if r is None:
        return None
    return {"key": str(r.key), "label": str(r.label), "count": r.count, "value": _total(r.value),
            "weighted": _total(r.weighted)}


def _filter_args(args: dict) -> dict[str, str]:
    """The query as the dashboard's URL arguments (parse_filters applies the same defaults)."""
    out = {}
    if args["period"]:
        out["period"] = args["period"]
    for key, name in (("start", "from"), ("end", "to"), ("rates", "rates")):
        if args[key]:
            out[name] = args[key].isoformat()
    for key in ("owner", "event", "stuck"):
        if args[key] is not None:
            out[key] = str(args[key])
    if args["type"]:
        out["type"] = args["type"]
    if args["currency"]:
        out["currency"] = args["currency"]
    return out


@pipeline.route("/summary")
class Summary(Resource):
    @pipeline.arguments(SummaryQuerySchema, location="query")
    @pipeline.response(200, SummarySchema)
    def get(self, args):
        """Open and weighted pipeline by stage, type, owner and country, the forecast by month, won and lost
        in the period with loss reasons, stuck deals, and each event's funnel."""
        user = api_user()
        if args["owner"] is not None and not user.is_manager:
            raise ApiError(403)
        filters = parse_filters(_filter_args(args), user, today=user_today(user),
                                default_stuck_days=current_app.config.get("CRM_STUCK_DAYS", 30))
        lang = api_language()
        d = build_dashboard(user, filters, rate_table(filters.rate_on), lang=lang,
                            country_name=lambda code: territory_name(code) if code else "—")
        forecast = [
            {"key": r.key, "label": r.label,
             "count": r.count, "value": _total(r.total), "weighted": _total(r.weighted)}
            for r in (d.forecast.rows if d.forecast else [])
        ]
        return {
            "period": {"start": filters.start, "end": filters.end},
            "currency": filters.currency, "rate_date": d.rate_date, "missing_rates": d.missing,
            "stuck_days": filters.stuck_days,
            "open": _row(d.open_total), "by_stage": [_row(r) for r in d.by_stage],
            "by_type": [_row(r) for r in d.by_type], "by_owner": [_row(r) for r in d.by_owner],
            "by_country": [_row(r) for r in d.by_country], "forecast": forecast,
            "won": _row(d.won), "lost": _row(d.lost), "lost_reasons": [_row(r) for r in d.lost_reasons],
            "stuck": _row(d.stuck_total),
            "funnels": [{"event_id": fn.event_id, "label": str(fn.label), "start_date": fn.start_date,
                         "meetings_held": fn.meetings_held, "leads": fn.leads, "deals": fn.deals, "won": fn.won,
                         "deal_value": _total(fn.deal_value), "won_value": _total(fn.won_value)}
                        for fn in d.funnels],
        }



