"""/api/v1/leads and their conversion into a deal. Reps see their own leads only."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import request
from marshmallow import validate
from sqlalchemy.orm import selectinload

from ...audit.models import record
from ...auth.models import User
from ...companies.models import Company
from ...enums import DealType, Genre, LeadSource, LeadStatus
from ...events.models import Event
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...leads.models import Lead
from ...leads.queries import LeadFilters, lead_query, lead_sorts
from ...leads.services import LeadError, archive_lead, convert_lead, create_lead, update_lead
from ...listing import paginate
from ...meetings.models import Meeting
from ...permissions import scope
from ...titles.models import Title
from .. import fields as f
from ..core import Blueprint, Resource, new_owner, page_body, visible_or_404
from ..errors import ApiError, api_language, api_user
from ..schemas import ListQuerySchema, Schema, page_schema
from .deals import DealSchema, deal_out

leads = Blueprint("api_leads", __name__, url_prefix="/api/v1/leads",
                  description="Leads (线索). Reps see their own leads only.")


class LeadSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    company_id = f.Id(required=True)
    contact_id = f.Id(allow_none=True)
    source = f.Enum(LeadSource)
    event_id = f.Id(allow_none=True)
    meeting_id = f.Id(allow_none=True)
    deal_type = f.Enum(DealType, allow_none=True)
    genre = f.Enum(Genre, allow_none=True)
    summary = f.String(max_length=300, allow_none=True)
    notes = f.String(max_length=20000, allow_none=True)
    owner_id = f.Id(metadata={"description": "Managers and admins may give the lead to another user"})
    title_ids = ma.fields.List(f.Id(), validate=[validate.Length(max=100)])
    status = f.Enum(LeadStatus, dump_only=True)
    disqualified_reason = ma.fields.String(dump_only=True, allow_none=True)
    archived_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class LeadQuerySchema(ListQuerySchema):
    q = f.String(max_length=100, load_default="", metadata={"description": "Search the company's names"})
    status = f.Enum(LeadStatus, load_default=None)
    source = f.Enum(LeadSource, load_default=None)
    event_id = f.Id(strict=False, load_default=None)
    owner_id = f.Id(strict=False, load_default=None, metadata={"description": "Managers only"})
    created_from = f.QueryDate(load_default=None)
    created_to = f.QueryDate(load_default=None)
    archived = ma.fields.Boolean(load_default=False)
    sort = f.String(load_default="-created", validate=[validate.OneOf(
        [p + k for k in ("created", "updated", "company", "status", "source", "owner", "summary") for p in ("", "-")],
        error="Must be one of: {choices}.")])


class ConvertSchema(Schema):
    deal_type = f.Enum(DealType, allow_none=True, metadata={"description": "Default: the lead's deal type"})
    name_en = f.String(max_length=200, allow_none=True)
    name_zh = f.String(max_length=200, allow_none=True)
    amount = f.DecimalString(places=2, minimum=0, allow_none=True)
    currency = f.String(load_default="USD", validate=[validate.Regexp(r"^[A-Z]{3}$", error="Invalid value.")],
                        metadata={"pattern": "^[A-Z]{3}$"})
    expected_close_date = f.Date(allow_none=True)


LeadPage = page_schema(LeadSchema, "LeadPage")


def lead_out(lead: Lead) -> Lead:
    lead.title_ids = sorted(t.id for t in lead.titles)
    return lead


def get_lead(lead_id: int) -> Lead:
    return visible_or_404(Lead, lead_id)


def _check_references(data: dict) -> None:
    errors = {}
    for key, model, message in (
        ("company_id", Company, _l("Choose the company.")),
        ("event_id", Event, _l("No event with this id.")),
    ):
        if data.get(key) is not None and db.session.get(model, data[key]) is None:
            errors[key] = [message]
    if data.get("meeting_id") is not None:
        meeting = db.session.scalar(scope(sa.select(Meeting).where(Meeting.id == data["meeting_id"]), Meeting,
                                          api_user()))
        if meeting is None:
            errors["meeting_id"] = [_l("No meeting with this id.")]
    ids = set(data.get("title_ids") or [])
    if ids and len(list(db.session.scalars(sa.select(Title.id).where(Title.id.in_(ids))))) != len(ids):
        errors["title_ids"] = [_l("Choose titles from the list.")]
    if errors:
        raise ApiError(422, errors=errors)


def _owner(data: dict, current_owner_id: int | None = None) -> User | None:
    return new_owner(data, current_owner_id, _l("Only managers and admins can give a lead to another user."))


def _lead_error(exc: LeadError) -> ApiError:
    return ApiError(422, errors={exc.field or "_schema": [exc.args[0]]})


@leads.route("")
class Leads(Resource):
    @leads.arguments(LeadQuerySchema, location="query")
    @leads.response(200, LeadPage)
    def get(self, args):
        """List the leads the user may see (filters and sorting as on the leads page)."""
        user = api_user()
        filters = LeadFilters(
            q=args["q"], status=LeadStatus(args["status"]) if args["status"] else None,
            owner_id=args["owner_id"], event_id=args["event_id"],
            source=LeadSource(args["source"]) if args["source"] else None,
            created_from=args["created_from"], created_to=args["created_to"], archived=args["archived"],
        )
        stmt, _sort = lead_sorts(api_language()).apply(lead_query(user, filters, tz="UTC"), args["sort"], Lead.id)
        stmt = stmt.options(selectinload(Lead.titles))  # lead_out lists them: one query, not one a lead
        body = page_body(paginate(stmt, page=args["page"], per_page=args["per_page"]), "api_leads.Leads", args)
        body["items"] = [lead_out(lead) for lead in body["items"]]
        return body

    @leads.arguments(LeadSchema)
    @leads.response(201, LeadSchema)
    @leads.alt_response(403, response="FORBIDDEN")
    @leads.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data):
        """Create a lead (owned by the user unless a manager gives ``owner_id``)."""
        user = api_user()
        _check_references(data)
        owner = _owner(data) or user
        try:
            lead = create_lead(owner=owner, **data)
        except LeadError as exc:
            db.session.rollback()
            raise _lead_error(exc) from None
        record("create", user_id=user.id, entity=lead, ip=request.remote_addr)
        db.session.commit()
        return lead_out(lead)


@leads.route("/<id:lead_id>")
class LeadItem(Resource):
    @leads.response(200, LeadSchema)
    @leads.alt_response(404, response="NOT_FOUND")
    def get(self, lead_id):
        """One lead (404 for another rep's lead)."""
        return lead_out(get_lead(lead_id))

    @leads.arguments(LeadSchema(partial=True))
    @leads.response(200, LeadSchema)
    @leads.alt_response(403, response="FORBIDDEN")
    @leads.alt_response(404, response="NOT_FOUND")
    @leads.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def patch(self, data, lead_id):
        """Change some fields of a lead."""
        lead = get_lead(lead_id)
        _check_references(data)
        if "company_id" in data and data["company_id"] is None:
            raise ApiError(422, errors={"company_id": [_l("Choose the company.")]})
        owner = _owner(data, lead.owner_id)
        if owner is not None:
            data["owner_id"] = owner.id
        try:
            update_lead(lead, **data)
        except LeadError as exc:
            db.session.rollback()
            raise _lead_error(exc) from None
        record("update", user_id=api_user().id, entity=lead, ip=request.remote_addr)
        db.session.commit()
        return lead_out(lead)

    @leads.response(204)
    @leads.alt_response(404, response="NOT_FOUND")
    def delete(self, lead_id):
        """Archive the lead."""
        lead = get_lead(lead_id)
        if lead.archived_at is None:
            archive_lead(lead)
            record("archive", user_id=api_user().id, entity=lead, ip=request.remote_addr)
            db.session.commit()


@leads.route("/<id:lead_id>/convert")
class LeadConvert(Resource):
    @leads.arguments(ConvertSchema)
    @leads.response(201, DealSchema)
    @leads.alt_response(404, response="NOT_FOUND")
    @leads.alt_response(409, response="CONFLICT")
    @leads.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data, lead_id):
        """Turn the lead into a deal (company, contact, event, meeting and titles carry over).
        409 when the lead is already converted or is disqualified."""
        lead = get_lead(lead_id)
        if lead.status in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
            message = (_l("This lead has already been converted.") if lead.status == LeadStatus.CONVERTED
                       else _l("A disqualified lead cannot be converted. Requalify it first."))
            raise ApiError(409, message, code="lead_not_convertible", current={"status": lead.status.value})
        try:
            deal = convert_lead(lead, api_user(), deal_type=data.get("deal_type"), currency=data["currency"],
                                amount=data.get("amount"), name_en=data.get("name_en"), name_zh=data.get("name_zh"),
                                expected_close_date=data.get("expected_close_date"))
        except LeadError as exc:
            db.session.rollback()
            raise _lead_error(exc) from None
        record("convert", user_id=api_user().id, entity=lead, ip=request.remote_addr, changes={"deal_id": deal.id})
        db.session.commit()
        return deal_out(deal)
