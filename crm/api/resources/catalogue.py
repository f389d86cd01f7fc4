"""/api/v1/titles (the catalogue, 项目/节目) and /api/v1/events (活动/展会): shared by every role."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import request
from marshmallow import validate
from sqlalchemy.orm import selectinload

from ...audit.models import record
from ...companies.models import Company
from ...enums import Genre, TitleStatus
from ...events.models import Event
from ...events.services import (
    EventError,
    add_attendee,
    archive_event,
    create_event,
    remove_attendee,
    update_event,
)
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...listing import paginate
from ...titles.models import Title
from ...titles.queries import TitleFilters, title_query, title_sorts
from ...titles.services import TitleError, archive_title, create_title, update_title
from .. import fields as f
from ..core import Blueprint, Resource, get_or_404, page_body
from ..errors import ApiError, api_language, api_user
from ..schemas import ListQuerySchema, Schema, page_schema

titles = Blueprint("api_titles", __name__, url_prefix="/api/v1/titles",
                   description="Titles (项目/节目): the content deals are about.")
events = Blueprint("api_events", __name__, url_prefix="/api/v1/events",
                   description="Events and markets (活动/展会), e.g. MIP China in Hangzhou.")


class TitleSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    name_en = f.String(max_length=200, allow_none=True)
    name_zh = f.String(max_length=200, allow_none=True)
    genre = f.Enum(Genre, required=True)
    episodes = f.Integer(minimum=1, maximum=100000, allow_none=True)
    episode_minutes = f.Integer(minimum=1, maximum=100000, allow_none=True)
    status = f.Enum(TitleStatus)
    year = f.Integer(minimum=1888, maximum=2999, allow_none=True)
    rights_holder_id = f.Id(allow_none=True)
    synopsis_en = f.String(max_length=20000, allow_none=True)
    synopsis_zh = f.String(max_length=20000, allow_none=True)
    archived_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class TitleQuerySchema(ListQuerySchema):
    q = f.String(max_length=100, load_default="")
    genre = f.Enum(Genre, load_default=None)
    status = f.Enum(TitleStatus, load_default=None)
    rights_holder_id = f.Id(strict=False, load_default=None)
    archived = ma.fields.Boolean(load_default=False)
    sort = f.String(load_default="name", validate=[validate.OneOf(
        [p + k for k in ("name", "genre", "status", "year", "episodes", "rights_holder", "created") for p in ("", "-")],
        error="Must be one of: {choices}.")])


class EventSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    name_en = f.String(max_length=200, allow_none=True)
    name_zh = f.String(max_length=200, allow_none=True)
    city = f.String(max_length=120, allow_none=True)
    venue = f.String(max_length=200, allow_none=True)
    country = f.String(allow_none=True, validate=[validate.Regexp(r"^[A-Za-z]{2}$", error="Invalid value.")],
                       metadata={"pattern": "^[A-Za-z]{2}$"})
    timezone = f.String(max_length=64, required=True, metadata={"description": "IANA, e.g. Asia/Shanghai"})
    start_date = f.Date(required=True)
    end_date = f.Date(required=True)
    organiser_id = f.Id(allow_none=True)
    website = f.String(max_length=300, allow_none=True)
    notes = f.String(max_length=20000, allow_none=True)
    company_ids = ma.fields.List(ma.fields.Integer(), dump_only=True,
                                 metadata={"description": "Companies attending"})
    archived_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class EventQuerySchema(ListQuerySchema):
    archived = ma.fields.Boolean(load_default=False)


TitlePage = page_schema(TitleSchema, "TitlePage")
EventPage = page_schema(EventSchema, "EventPage")


def _check_company(data: dict, key: str) -> None:
    if data.get(key) is not None and db.session.get(Company, data[key]) is None:
        raise ApiError(422, errors={key: [_l("No company with this id.")]})


def get_title(title_id: int) -> Title:
    return get_or_404(Title, title_id)


@titles.route("")
class Titles(Resource):
    @titles.arguments(TitleQuerySchema, location="query")
    @titles.response(200, TitlePage)
    def get(self, args):
        """List titles (filters and sorting as on the titles page)."""
        filters = TitleFilters(q=args["q"], genre=Genre(args["genre"]) if args["genre"] else None,
                               status=TitleStatus(args["status"]) if args["status"] else None,
                               rights_holder_id=args["rights_holder_id"], archived=args["archived"])
        stmt, _key = title_sorts(api_language()).apply(title_query(filters), args["sort"], Title.id)
        return page_body(paginate(stmt, page=args["page"], per_page=args["per_page"]), "api_titles.Titles", args)

    @titles.arguments(TitleSchema)
    @titles.response(201, TitleSchema)
    def post(self, data):
        """Add a title to the catalogue."""
        _check_company(data, "rights_holder_id")
        try:
            title = create_title(**data)
        except TitleError as exc:
            db.session.rollback()
            raise ApiError(422, errors={exc.field: [exc.args[0]]}) from None
        record("create", user_id=api_user().id, entity=title, ip=request.remote_addr)
        db.session.commit()
        return title


@titles.route("/<id:title_id>")
class TitleItem(Resource):
    @titles.response(200, TitleSchema)
    @titles.alt_response(404, response="NOT_FOUND")
    def get(self, title_id):
        """One title."""
        return get_title(title_id)

    @titles.arguments(TitleSchema(partial=True))
    @titles.response(200, TitleSchema)
    @titles.alt_response(404, response="NOT_FOUND")
    def patch(self, data, title_id):
        """Change some fields of a title."""
        title = get_title(title_id)
        _check_company(data, "rights_holder_id")
        if "status" in data and data["status"] is None:
            data.pop("status")
        try:
            update_title(title, **data)
        except TitleError as exc:
            db.session.rollback()
            raise ApiError(422, errors={exc.field: [exc.args[0]]}) from None
        record("update", user_id=api_user().id, entity=title, ip=request.remote_addr)
        db.session.commit()
        return title

    @titles.response(204)
    @titles.alt_response(404, response="NOT_FOUND")
    def delete(self, title_id):
        """Archive the title."""
        title = get_title(title_id)
        if title.archived_at is None:
            archive_title(title)
            record("archive", user_id=api_user().id, entity=title, ip=request.remote_addr)
            db.session.commit()


def get_event(event_id: int) -> Event:
    return get_or_404(Event, event_id)


def event_out(event: Event) -> Event:
    event.company_ids = sorted(c.id for c in event.companies)
    return event


def _event_error(exc: EventError) -> ApiError:
    return ApiError(422, errors={exc.field: [exc.message]})


@events.route("")
class Events(Resource):
    @events.arguments(EventQuerySchema, location="query")
    @events.response(200, EventPage)
    def get(self, args):
        """List events, latest first."""
        stmt = sa.select(Event).options(selectinload(Event.companies)).where(
            Event.archived_at.is_not(None) if args["archived"] else Event.archived_at.is_(None)
        ).order_by(Event.start_date.desc(), Event.id.desc())
        body = page_body(paginate(stmt, page=args["page"], per_page=args["per_page"]), "api_events.Events", args)
        body["items"] = [event_out(e) for e in body["items"]]
        return body

    @events.arguments(EventSchema)
    @events.response(201, EventSchema)
    def post(self, data):
        """Add an event (a market, a festival, a summit)."""
        _check_company(data, "organiser_id")
        try:
            event = create_event(api_user(), ip=request.remote_addr, **data)
        except EventError as exc:
            db.session.rollback()
            raise _event_error(exc) from None
        db.session.commit()
        return event_out(event)


@events.route("/<id:event_id>")
class EventItem(Resource):
    @events.response(200, EventSchema)
    @events.alt_response(404, response="NOT_FOUND")
    def get(self, event_id):
        """One event with the companies attending."""
        return event_out(get_event(event_id))

    @events.arguments(EventSchema(partial=True))
    @events.response(200, EventSchema)
    @events.alt_response(404, response="NOT_FOUND")
    def patch(self, data, event_id):
        """Change some fields of an event."""
        event = get_event(event_id)
        _check_company(data, "organiser_id")
        try:
            update_event(event, api_user(), ip=request.remote_addr, **data)
        except EventError as exc:
            db.session.rollback()
            raise _event_error(exc) from None
        db.session.commit()
        return event_out(event)

    @events.response(204)
    @events.alt_response(404, response="NOT_FOUND")
    def delete(self, event_id):
        """Archive the event."""
        event = get_event(event_id)
        if event.archived_at is None:
            archive_event(event, api_user(), ip=request.remote_addr)
            db.session.commit()


@events.route("/<id:event_id>/attendees/<id:company_id>")
class EventAttendee(Resource):
    @events.response(204)
    @events.alt_response(404, response="NOT_FOUND")
    def put(self, event_id, company_id):
        """Record that a company attends the event (nothing changes if it already does)."""
        event = get_event(event_id)
        company = db.session.get(Company, company_id)
        if company is None:
            raise ApiError(404)
        if add_attendee(event, company, api_user(), ip=request.remote_addr):
            db.session.commit()

    @events.response(204)
    @events.alt_response(404, response="NOT_FOUND")
    def delete(self, event_id, company_id):
        """Remove a company from the event's attendees (nothing changes if it was not there)."""
        event = get_event(event_id)
        if remove_attendee(event, company_id, api_user(), ip=request.remote_addr):
            db.session.commit()
