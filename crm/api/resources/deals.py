"""/api/v1/deals (with typed terms and optimistic versions), their stage moves and history;
/api/v1/stages (read only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import marshmallow as ma
import sqlalchemy as sa
from flask import request
from marshmallow import validate
from sqlalchemy.orm import selectinload

from ...companies.models import Company
from ...deals.models import CoproductionTerms, Deal, PipelineStage, StageChange
from ...deals.moves import ConflictError, MoveError, move_deal
from ...deals.services import (
    COMMON_FIELDS,
    DealConflictError,
    archive_deal,
    create_deal_with_terms,
    deal_values,
    update_deal,
)
from ...deals.terms import DealError, terms_kind
from ...enums import (
    Contribution,
    CoproductionStatus,
    DealType,
    FeeKind,
    FormatFeeBasis,
    Medium,
    RegulatoryStatus,
)
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...listing import Sorts, paginate
from ...permissions import scope
from .. import fields as f
from ..core import Blueprint, Resource, new_owner, page_body, visible_or_404
from ..errors import ApiError, api_user
from ..schemas import ListQuerySchema, Schema, page_schema

deals = Blueprint("api_deals", __name__, url_prefix="/api/v1/deals",
                  description="Deals (交易/商机) with their typed terms. Reps see their own deals only.")
stages = Blueprint("api_stages", __name__, url_prefix="/api/v1/stages",
                   description="Pipeline stages (阶段) of each deal type (read only).")

PERCENT = {"places": 2, "minimum": Decimal(0), "maximum": Decimal(100)}
MONEY = {"places": 2, "minimum": Decimal(0)}


# -- schemas ----------------------------------------------------------------------

class StageSchema(Schema):
    id = ma.fields.Integer()
    deal_type = f.Enum(DealType)
    key = ma.fields.String()
    name_en = ma.fields.String()
    name_zh = ma.fields.String()
    position = ma.fields.Integer()
    probability = ma.fields.Integer(metadata={"description": "Win probability in percent"})
    is_won = ma.fields.Boolean()
    is_lost = ma.fields.Boolean()
    active = ma.fields.Boolean()


class PaymentSchema(Schema):
    percent = f.DecimalString(**PERCENT, required=True)
    trigger_en = f.String(max_length=200, allow_none=True)
    trigger_zh = f.String(max_length=200, allow_none=True)


class PartnerSchema(Schema):
    company_id = f.Id(required=True)
    financing_share = f.DecimalString(**PERCENT, required=True)
    ip_share = f.DecimalString(**PERCENT, required=True)
    contribution = f.Enum(Contribution, allow_none=True)
    territories_retained = f.String(max_length=200, allow_none=True,
                                    metadata={"description": 'Territory codes the partner keeps, e.g. "CN"'})


Territory = f.String(max_length=32)


class TermsSchema(Schema):
    """The typed terms. Co-production deals take the co-production fields; distribution,
    acquisition and pre-sale deals the licence fields; format deals the format fields."""

    # co-production
    working_title = f.String(max_length=200, allow_none=True)
    budget = f.DecimalString(**MONEY, allow_none=True)
    budget_currency = f.String(max_length=3, allow_none=True)
    episode_minutes = f.Integer(minimum=1, maximum=100000, allow_none=True)
    language = f.String(max_length=32, allow_none=True)
    underlying_ip = f.String(max_length=300, allow_none=True)
    official_status = f.Enum(CoproductionStatus, allow_none=True)
    creative_control = f.String(max_length=20000, allow_none=True)
    overruns = f.String(max_length=20000, allow_none=True)
    completion_bond = ma.fields.Boolean(allow_none=True)
    delivery_date = f.Date(allow_none=True)
    partners = ma.fields.List(ma.fields.Nested(PartnerSchema), validate=[validate.Length(max=20)])
    # licence (distribution, acquisition, pre-sale)
    licence_start = f.Date(allow_none=True)
    licence_end = f.Date(allow_none=True)
    starts_on_permit = ma.fields.Boolean(allow_none=True)
    runs = f.Integer(minimum=1, maximum=100000, allow_none=True)
    languages = f.String(max_length=64, allow_none=True, metadata={"description": 'ISO 639-1 codes: "zh en"'})
    fee_kind = f.Enum(FeeKind, allow_none=True)
    minimum_guarantee = f.DecimalString(**MONEY, allow_none=True)
    revenue_share = f.DecimalString(**PERCENT, allow_none=True)
    agent_commission = f.DecimalString(**PERCENT, allow_none=True)
    holdback_months = f.Integer(minimum=0, maximum=1200, allow_none=True)
    holdbacks = f.String(max_length=20000, allow_none=True)
    first_run_obligation = f.String(max_length=300, allow_none=True)
    media = ma.fields.List(f.Enum(Medium), validate=[validate.Length(max=20)])
    payments = ma.fields.List(ma.fields.Nested(PaymentSchema), validate=[validate.Length(max=50)])
    # licence and format
    territories = ma.fields.List(Territory, validate=[validate.Length(max=300)],
                                 metadata={"description": "ISO codes or groups: WW, GREATER_CHINA, CN_MAINLAND…"})
    excluded = ma.fields.List(Territory, validate=[validate.Length(max=300)],
                              metadata={"description": "Codes excluded from the territories (WW excluding CN)"})
    exclusive = ma.fields.Boolean(allow_none=True)
    # format (and co-production: episodes)
    platform = f.String(max_length=120, allow_none=True)
    episodes = f.Integer(minimum=1, maximum=100000, allow_none=True)
    seasons = f.Integer(minimum=1, maximum=1000, allow_none=True)
    fee_basis = f.Enum(FormatFeeBasis, allow_none=True)
    fee_percent = f.DecimalString(**PERCENT, allow_none=True)
    fee_per_episode = f.DecimalString(**MONEY, allow_none=True)
    local_budget = f.DecimalString(**MONEY, allow_none=True)
    option_seasons = f.Integer(minimum=0, maximum=1000, allow_none=True)
    production_bible = ma.fields.Boolean(allow_none=True)
    consultancy_days = f.Integer(minimum=0, maximum=100000, allow_none=True)
    backend_share = f.DecimalString(**PERCENT, allow_none=True)


KIND_FIELDS = {
    "coproduction": {"working_title", "budget", "budget_currency", "episodes", "episode_minutes", "language",
                     "underlying_ip", "official_status", "creative_control", "overruns", "completion_bond",
                     "delivery_date", "partners"},
    "licence": {"exclusive", "licence_start", "licence_end", "starts_on_permit", "runs", "languages", "fee_kind",
                "minimum_guarantee", "revenue_share", "agent_commission", "holdback_months", "holdbacks",
                "first_run_obligation", "territories", "excluded", "media", "payments"},
    "format": {"platform", "episodes", "seasons", "exclusive", "fee_basis", "fee_percent", "fee_per_episode",
               "local_budget", "option_seasons", "production_bible", "consultancy_days", "backend_share",
               "territories", "excluded"},
}


class DealSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    deal_type = f.Enum(DealType, required=True)
    name_en = f.String(max_length=200, allow_none=True)
    name_zh = f.String(max_length=200, allow_none=True)
    company_id = f.Id(required=True, metadata={"description": "The counterpart company"})
    amount = f.DecimalString(**MONEY, allow_none=True, metadata={"description": 'A decimal string, e.g. "125000.00"'})
    currency = f.String(required=True, validate=[validate.Regexp(r"^[A-Za-z]{3}$", error="Invalid value.")],
                        metadata={"description": "ISO 4217 code, e.g. CNY", "pattern": "^[A-Za-z]{3}$"})
    expected_close_date = f.Date(allow_none=True)
    regulatory_status = f.Enum(RegulatoryStatus, allow_none=True)
    notes = f.String(max_length=20000, allow_none=True)
    owner_id = f.Id(metadata={"description": "Managers and admins may give the deal to another user"})
    contact_ids = ma.fields.List(f.Id(), validate=[validate.Length(max=100)])
    title_ids = ma.fields.List(f.Id(), validate=[validate.Length(max=100)])
    terms = ma.fields.Nested(TermsSchema)
    stage = ma.fields.Nested(StageSchema, dump_only=True)
    stage_id = ma.fields.Integer(dump_only=True)
    lead_id = ma.fields.Integer(dump_only=True, allow_none=True)
    meeting_id = ma.fields.Integer(dump_only=True, allow_none=True)
    event_id = ma.fields.Integer(dump_only=True, allow_none=True)
    signed_on = ma.fields.Date(dump_only=True, allow_none=True)
    closed_at = f.AwareDateTime(dump_only=True, allow_none=True)
    won_reason = ma.fields.String(dump_only=True, allow_none=True)
    lost_reason = ma.fields.String(dump_only=True, allow_none=True)
    version = ma.fields.Integer(dump_only=True, metadata={"description": "Send it back with every change"})
    archived_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class DealPatchSchema(DealSchema):
    class Meta:
        exclude = ("deal_type",)

    version = f.Integer(minimum=1, required=True, metadata={"description": "The version you read (409 if stale)"})


PATCHABLE = tuple(name for name, field in DealPatchSchema._declared_fields.items()
                  if name not in ("version", "deal_type") and not field.dump_only)


class DealQuerySchema(ListQuerySchema):
    deal_type = f.Enum(DealType, load_default=None)
    stage = f.String(max_length=40, load_default=None, metadata={"description": "A stage key, e.g. negotiation"})
    company_id = f.Id(strict=False, load_default=None)
    owner_id = f.Id(strict=False, load_default=None,
                    metadata={"description": "Managers only; reps always see their own"})
    archived = f.String(load_default="", validate=[validate.OneOf(["", "1", "all"],
                                                                  error="Must be one of: {choices}.")])
    sort = f.String(load_default="-updated", validate=[validate.OneOf(
        [prefix + key for key in ("updated", "created", "amount", "expected_close_date", "name")
         for prefix in ("", "-")],
        error="Must be one of: {choices}.")])


class MoveSchema(Schema):
    stage = f.String(max_length=40, required=True, metadata={"description": "The stage key, e.g. term_sheet"})
    version = f.Integer(minimum=1, required=True)
    reason = f.String(max_length=2000, allow_none=True, metadata={"description": "Required when the deal is lost"})
    signed_on = f.Date(allow_none=True, metadata={"description": "Required when the deal is won (unless set)"})
    override_reason = f.String(max_length=2000, allow_none=True,
                               metadata={"description": "Managers: sign despite a rights conflict"})


class HistorySchema(Schema):
    id = ma.fields.Integer()
    from_stage = ma.fields.Nested(StageSchema, allow_none=True)
    to_stage = ma.fields.Nested(StageSchema)
    changed_by_id = ma.fields.Integer(allow_none=True)
    changed_at = f.AwareDateTime()
    seconds_in_previous_stage = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)


class HistoryListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(HistorySchema), required=True)


class StageQuerySchema(Schema):
    deal_type = f.Enum(DealType, load_default=None)


class StageListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(StageSchema), required=True)


DealPage = page_schema(DealSchema, "DealPage")


# -- helpers -------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return getattr(value, "value", value)


def deal_out(deal: Deal) -> dict:
    """The deal with its terms, as DealSchema dumps it."""
    values, terms = deal_values(deal)
    out = {key: getattr(deal, key) for key in DealSchema._declared_fields if hasattr(deal, key) and key != "terms"}
    out.update(owner_id=deal.owner_id, contact_ids=values["contact_ids"], title_ids=values["title_ids"],
               terms=_plain(terms))
    return out


def get_deal(deal_id: int) -> Deal:
    return visible_or_404(Deal, deal_id)


def _check_terms_kind(deal_type: DealType, terms: dict) -> None:
    allowed = KIND_FIELDS[terms_kind(deal_type)]
    unknown = sorted(set(terms) - allowed)
    if unknown:
        raise ApiError(422, errors={f"terms.{key}": [_l("This field does not apply to this type of deal.")]
                                    for key in unknown})


def _check_references(data: dict, terms: dict) -> None:
    """Ids that must exist (the services check contacts and titles; this keeps the
    database's foreign keys from being the ones to say no)."""
    errors = {}
    if data.get("company_id") is not None and db.session.get(Company, data["company_id"]) is None:
        errors["company_id"] = [_l("Choose the counterpart company.")]
    for i, partner in enumerate(terms.get("partners") or []):
        if db.session.get(Company, partner["company_id"]) is None:
            errors[f"terms.partners.{i}.company_id"] = [_l("Choose the partner company.")]
    if errors:
        raise ApiError(422, errors=errors)


def _owner_id(data: dict, current_owner: int | None = None) -> int | None:
    """The new owner's id when the body changes it (managers only); None to keep the default
    (the user on create, the current owner on update)."""
    owner = new_owner(data, current_owner, _l("Only managers and admins can give a deal to another user."))
    return owner.id if owner else None


def _deal_error(exc: DealError) -> ApiError:
    common = set(COMMON_FIELDS) | {"contact_ids", "title_ids", "owner_id"}
    errors = {(key if key in common else f"terms.{key}"): list(messages) for key, messages in exc.errors.items()}
    return ApiError(422, errors=errors)


def _conflict(deal_id: int) -> ApiError:
    db.session.rollback()
    deal = db.session.get(Deal, deal_id)
    return ApiError(409, _l("The deal changed since you read it: nothing was saved. Read it again, then retry "
                            "with its current version."), code="version_conflict",
                    current={"version": deal.version, "stage": deal.stage.key,
                             "updated_at": deal.updated_at.isoformat()})


def _values(data: dict) -> dict:
    return {key: data[key] for key in (*COMMON_FIELDS, "contact_ids", "title_ids") if key in data}


# -- deals ---------------------------------------------------------------------------

# The list's sort keys (listing.Sorts: "-key" descending; the id breaks ties in the same direction).
_SORTS = Sorts(columns={
    "updated": (Deal.updated_at,), "created": (Deal.created_at,), "amount": (Deal.amount,),
    "expected_close_date": (sa.func.coalesce(Deal.expected_close_date, dt.date(9999, 12, 31)),),
    "name": (sa.func.coalesce(Deal.name_en, Deal.name_zh, ""),),
}, default="-updated")


@deals.route("")
class Deals(Resource):
    @deals.arguments(DealQuerySchema, location="query")
    @deals.response(200, DealPage)
    def get(self, args):
        """List the deals the user may see (reps: their own), newest change first by default."""
        user = api_user()
        stmt = scope(sa.select(Deal), Deal, user).options(
            selectinload(Deal.stage), selectinload(Deal.contacts), selectinload(Deal.titles),
            selectinload(Deal.territories), selectinload(Deal.media), selectinload(Deal.payments),
            selectinload(Deal.licence), selectinload(Deal.format_terms),
            selectinload(Deal.coproduction).selectinload(CoproductionTerms.partners),
        )
        archived = args["archived"]
        if archived == "1":
            stmt = stmt.where(Deal.archived_at.is_not(None))
        elif archived != "all":
            stmt = stmt.where(Deal.archived_at.is_(None))
        if args["deal_type"]:
            stmt = stmt.where(Deal.deal_type == DealType(args["deal_type"]))
        if args["stage"]:
            stmt = stmt.join(PipelineStage, Deal.stage_id == PipelineStage.id).where(
                PipelineStage.key == args["stage"])
        if args["company_id"]:
            stmt = stmt.where(Deal.company_id == args["company_id"])
        if args["owner_id"] and user.is_manager:
            stmt = stmt.where(Deal.owner_id == args["owner_id"])
        stmt, _key = _SORTS.apply(stmt, args["sort"], Deal.id)
        pagination = paginate(stmt, page=args["page"], per_page=args["per_page"])
        body = page_body(pagination, "api_deals.Deals", args)
        body["items"] = [deal_out(d) for d in body["items"]]
        return body

    @deals.arguments(DealSchema)
    @deals.response(201, DealSchema)
    @deals.alt_response(403, response="FORBIDDEN")
    @deals.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data):
        """Create a deal with its typed terms, in its pipeline's first stage."""
        user = api_user()
        deal_type = DealType(data["deal_type"])
        terms = data.pop("terms", {}) or {}
        _check_terms_kind(deal_type, terms)
        _check_references(data, terms)
        owner_id = _owner_id(data)
        try:
            deal = create_deal_with_terms(user, deal_type=deal_type, values=_values(data), terms=terms,
                                          owner_id=owner_id, ip=request.remote_addr)
        except DealError as exc:
            db.session.rollback()
            raise _deal_error(exc) from None
        db.session.commit()
        return deal_out(deal)


@deals.route("/<id:deal_id>")
class DealItem(Resource):
    @deals.response(200, DealSchema)
    @deals.alt_response(404, response="NOT_FOUND")
    def get(self, deal_id):
        """One deal with its terms and version (404 for another rep's deal)."""
        return deal_out(get_deal(deal_id))

    @deals.arguments(DealPatchSchema(partial=PATCHABLE))
    @deals.response(200, DealSchema)
    @deals.alt_response(403, response="FORBIDDEN")
    @deals.alt_response(404, response="NOT_FOUND")
    @deals.alt_response(409, response="CONFLICT")
    @deals.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def patch(self, data, deal_id):
        """Change some fields or terms; version is required and a stale one gives 409
        with the current version. Terms given replace those fields only."""
        deal = get_deal(deal_id)
        values, terms = deal_values(deal)
        values.pop("owner_id", None)
        new_terms = data.pop("terms", None) or {}
        _check_terms_kind(deal.deal_type, new_terms)
        _check_references(data, new_terms)
        owner_id = _owner_id(data, deal.owner_id)
        values.update(_values(data))
        terms.update(new_terms)
        try:
            update_deal(deal, api_user(), expected_version=data["version"], values=values, terms=terms,
                        owner_id=owner_id, ip=request.remote_addr)
        except DealError as exc:
            db.session.rollback()
            raise _deal_error(exc) from None
        except DealConflictError:
            raise _conflict(deal_id) from None
        db.session.commit()
        return deal_out(deal)

    @deals.response(204)
    @deals.alt_response(404, response="NOT_FOUND")
    def delete(self, deal_id):
        """Archive the deal (hidden from lists and the board; restorable in the UI)."""
        archive_deal(get_deal(deal_id), api_user(), ip=request.remote_addr)
        db.session.commit()


@deals.route("/<id:deal_id>/stage")
class DealStage(Resource):
    @deals.arguments(MoveSchema)
    @deals.response(200, DealSchema)
    @deals.alt_response(404, response="NOT_FOUND")
    @deals.alt_response(409, response="CONFLICT")
    @deals.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data, deal_id):
        """Move the deal to another stage of its pipeline. A stale version gives 409 (the body
        has the current version and stage); a lost deal needs a ``reason``, a won one ``signed_on``."""
        deal = get_deal(deal_id)
        stage = db.session.scalar(sa.select(PipelineStage).where(
            PipelineStage.deal_type == deal.deal_type, PipelineStage.key == data["stage"]))
        if stage is None:
            raise ApiError(422, errors={"stage": [_l("That stage belongs to another pipeline.")]})
        try:
            move_deal(deal, stage, api_user(), expected_version=data["version"], reason=data.get("reason"),
                      signed_on=data.get("signed_on"), override_reason=data.get("override_reason"))
        except ConflictError:
            raise _conflict(deal_id) from None
        except MoveError as exc:
            db.session.rollback()
            extra = {}
            conflicts = getattr(exc, "conflicts", None)
            if conflicts:
                extra["conflicts"] = [_conflict_out(c) for c in conflicts]
            raise ApiError(422, errors={exc.field or "stage": [exc.message]}, **extra) from None
        db.session.commit()
        return deal_out(deal)


def _conflict_out(conflict) -> dict:
    import dataclasses

    out = {}
    for key, value in dataclasses.asdict(conflict).items():
        out[key] = _jsonable(value)
    return out


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    value = getattr(value, "value", value)
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


@deals.route("/<id:deal_id>/history")
class DealHistory(Resource):
    @deals.response(200, HistoryListSchema)
    @deals.alt_response(404, response="NOT_FOUND")
    def get(self, deal_id):
        """The deal's stage changes, newest first (append-only)."""
        deal = get_deal(deal_id)
        rows = db.session.scalars(
            sa.select(StageChange).where(StageChange.deal_id == deal.id)
            .options(selectinload(StageChange.from_stage), selectinload(StageChange.to_stage))
            .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
        )
        return {"items": list(rows)}


# -- stages --------------------------------------------------------------------------

@stages.route("")
class Stages(Resource):
    @stages.arguments(StageQuerySchema, location="query")
    @stages.response(200, StageListSchema)
    def get(self, args):
        """Every pipeline stage, by deal type and position."""
        stmt = sa.select(PipelineStage).order_by(PipelineStage.deal_type, PipelineStage.position, PipelineStage.id)
        if args["deal_type"]:
            stmt = stmt.where(PipelineStage.deal_type == DealType(args["deal_type"]))
        return {"items": list(db.session.scalars(stmt))}


@stages.route("/<id:stage_id>")
class StageItem(Resource):
    @stages.response(200, StageSchema)
    @stages.alt_response(404, response="NOT_FOUND")
    def get(self, stage_id):
        """One pipeline stage."""
        stage = db.session.get(PipelineStage, stage_id)
        if stage is None:
            raise ApiError(404)
        return stage
