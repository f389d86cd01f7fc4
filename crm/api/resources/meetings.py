"""/api/v1/meetings: log meetings (会面). Reps see and change their own meetings only."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import request
from marshmallow import validate
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...companies.models import Company, Contact
from ...enums import MeetingStatus
from ...events.models import Event
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...listing import paginate
from ...meetings.models import Meeting
from ...meetings.queries import MeetingFilters, meeting_stmt
from ...meetings.services import MeetingError, archive_meeting, create_meeting, update_meeting
from .. import fields as f
from ..core import Blueprint, Resource, new_owner, page_body, visible_or_404
from ..errors import ApiError, api_language, api_user
from ..schemas import ListQuerySchema, Schema, page_schema

meetings = Blueprint("api_meetings", __name__, url_prefix="/api/v1/meetings",
                     description="Meetings (会面), e.g. one-to-ones at a market. Reps see their own meetings only.")


class MeetingSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    starts_at = f.AwareDateTime(required=True, metadata={"description": "ISO 8601 with an offset"})
    duration_minutes = f.Integer(minimum=1, maximum=1440, load_default=30)
    event_id = f.Id(allow_none=True)
    company_id = f.Id(allow_none=True)
    location = f.String(max_length=120, allow_none=True, metadata={"description": "Table or room"})
    status = f.Enum(MeetingStatus)
    notes = f.String(max_length=20000, allow_none=True)
    interest_level = f.Integer(minimum=1, maximum=5, allow_none=True)
    next_step = f.String(max_length=300, allow_none=True)
    follow_up_date = f.Date(allow_none=True)
    owner_id = f.Id(metadata={"description": "Managers and admins may log a meeting for another user"})
    user_ids = ma.fields.List(f.Id(), validate=[validate.Length(max=50)],
                              metadata={"description": "Our team at the meeting (the owner is always in it)"})
    contact_ids = ma.fields.List(f.Id(), validate=[validate.Length(max=50)],
                                 metadata={"description": "Their people: contacts of the meeting's company"})
    archived_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class MeetingQuerySchema(ListQuerySchema):
    q = f.String(max_length=100, load_default="", metadata={"description": "Search the company's names"})
    status = f.Enum(MeetingStatus, load_default=None)
    event_id = f.Id(strict=False, load_default=None)
    owner_id = f.Id(strict=False, load_default=None, metadata={"description": "Managers only"})
    date_from = f.QueryDate(load_default=None, metadata={"description": "Inclusive, UTC"})
    date_to = f.QueryDate(load_default=None, metadata={"description": "Inclusive, UTC"})
    when = f.String(load_default=None, validate=[validate.OneOf(["upcoming", "past"],
                                                                error="Must be one of: {choices}.")])
    sort = f.String(load_default=None, validate=[validate.OneOf(
        ["start", "-start", "company", "-company", "status", "-status"], error="Must be one of: {choices}.")])


MeetingPage = page_schema(MeetingSchema, "MeetingPage")


def meeting_out(meeting: Meeting) -> Meeting:
    meeting.user_ids = sorted(u.id for u in meeting.users)
    meeting.contact_ids = sorted(c.id for c in meeting.contacts)
    return meeting


def get_meeting(meeting_id: int) -> Meeting:
    return visible_or_404(Meeting, meeting_id)


def _links(data: dict, current_owner_id: int | None = None) -> dict:
    """Ids in the body → rows (422 for ids that do not exist); returns create/update keyword arguments."""
    errors = {}
    for key, model, message in (("company_id", Company, _l("No company with this id.")),
                                ("event_id", Event, _l("No event with this id."))):
        if data.get(key) is not None and db.session.get(model, data[key]) is None:
            errors[key] = [message]
    out = {}
    for key, model, name in (("user_ids", User, "users"), ("contact_ids", Contact, "contacts")):
        if key in data:
            ids = set(data.pop(key) or [])
            rows = list(db.session.scalars(sa.select(model).where(model.id.in_(ids)))) if ids else []
            if len(rows) != len(ids) or (model is User and not all(u.active for u in rows)):
                errors[key] = [_l("Choose from the list.")]
            out[name] = rows
    owner = new_owner(data, current_owner_id, _l("Only managers and admins can log a meeting for another user."),
                      errors)
    if owner is not None or "owner_id" in errors:
        out["owner"] = owner
    if errors:
        raise ApiError(422, errors=errors)
    return out


def _meeting_error(exc: MeetingError) -> ApiError:
    fields = {"start_date": "starts_at", "contacts": "contact_ids"}
    return ApiError(422, errors={fields.get(k, k): [v] for k, v in exc.errors.items()})


@meetings.route("")
class Meetings(Resource):
    @meetings.arguments(MeetingQuerySchema, location="query")
    @meetings.response(200, MeetingPage)
    def get(self, args):
        """List the meetings the user may see (filters and sorting as on the meetings page; dates in UTC)."""
        filters = MeetingFilters(
            q=args["q"], status=MeetingStatus(args["status"]) if args["status"] else None,
            event_id=args["event_id"], owner_id=args["owner_id"], date_from=args["date_from"],
            date_to=args["date_to"], when=args["when"], sort=args["sort"],
        )
        stmt, _key = meeting_stmt(api_user(), filters, lang=api_language())
        stmt = stmt.options(selectinload(Meeting.users))  # meeting_out lists them: one query, not one a meeting
        body = page_body(paginate(stmt, page=args["page"], per_page=args["per_page"]), "api_meetings.Meetings",
                         args)
        body["items"] = [meeting_out(m) for m in body["items"]]
        return body

    @meetings.arguments(MeetingSchema)
    @meetings.response(201, MeetingSchema)
    @meetings.alt_response(403, response="FORBIDDEN")
    @meetings.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data):
        """Log a meeting (owned by the user unless a manager gives ``owner_id``)."""
        user = api_user()
        links = _links(data)
        owner = links.pop("owner", None) or user
        try:
            meeting = create_meeting(user, owner=owner, ip=request.remote_addr, **links, **data)
        except MeetingError as exc:
            db.session.rollback()
            raise _meeting_error(exc) from None
        db.session.commit()
        return meeting_out(meeting)


@meetings.route("/<id:meeting_id>")
class MeetingItem(Resource):
    @meetings.response(200, MeetingSchema)
    @meetings.alt_response(404, response="NOT_FOUND")
    def get(self, meeting_id):
        """One meeting (404 for another rep's meeting)."""
        return meeting_out(get_meeting(meeting_id))

    @meetings.arguments(MeetingSchema(partial=True))
    @meetings.response(200, MeetingSchema)
    @meetings.alt_response(403, response="FORBIDDEN")
    @meetings.alt_response(404, response="NOT_FOUND")
    @meetings.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def patch(self, data, meeting_id):
        """Change some fields of a meeting, e.g. its status and interest level after it was held."""
        meeting = get_meeting(meeting_id)
        for key in ("starts_at", "duration_minutes", "status"):
            if key in data and data[key] is None:
                raise ApiError(422, errors={key: ["Field may not be null."]})
        links = _links(data, meeting.owner_id)
        try:
            update_meeting(meeting, api_user(), ip=request.remote_addr, **links, **data)
        except MeetingError as exc:
            db.session.rollback()
            raise _meeting_error(exc) from None
        db.session.commit()
        return meeting_out(meeting)

    @meetings.response(204)
    @meetings.alt_response(404, response="NOT_FOUND")
    def delete(self, meeting_id):
        """Archive the meeting."""
        meeting = get_meeting(meeting_id)
        if meeting.archived_at is None:
            archive_meeting(meeting, api_user(), ip=request.remote_addr)
            db.session.commit()
