"""The flask-smorest Api, the blueprint class every resource uses, bearer
authentication and pagination."""

from __future__ import annotations

import math

import flask_smorest
import sqlalchemy as sa
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import g, request, url_for
from flask.views import MethodView
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from .errors import ApiError, api_language, with_api_locale
from .fields import INT_MAX, DecimalString
from .schemas import ErrorSchema
from .tokens import authenticate_token

PREFIX = "/api/v1"


def schema_name(schema) -> str:
    """Component names: "Company" for CompanySchema, "CompanyPatch" for CompanySchema(partial=True)."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial and not name.endswith("Patch"):
        name += "Patch"
    return name


class IdConverter(IntegerConverter):
    """``<id:deal_id>``: a positive 32-bit integer; anything else does not match (404)."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=INT_MAX)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, **kwargs):
        kwargs.setdefault("marshmallow_plugin", MarshmallowPlugin(schema_name_resolver=schema_name))
        super()._init_spec(**kwargs)

    def _register_error_handlers(self):
        """Nothing: crm/errors.py sends errors on /api/ paths to errors.error_response
        (one handler for the whole app, so HTML pages keep their own)."""

    def init_app(self, app, *, spec_kwargs=None):
        app.url_map.converters["id"] = IdConverter
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.register_converter(IdConverter, lambda c: {"type": "integer", "minimum": 1, "maximum": INT_MAX})
        self.register_field(DecimalString, "string", "decimal")
        self.spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer",
                           "description": "A personal API token (Account → API tokens)."})


class Parser(FlaskParser):
    """Unknown query parameters are refused (422) like unknown body fields: a typo such as
    ``per-page`` is reported instead of silently ignored."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}


class Blueprint(flask_smorest.Blueprint):
    """A resource's blueprint: every request needs a bearer token (401 otherwise) and its
    response says its language (Content-Language); views are ``Resource`` subclasses."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(_authenticate)
        self.after_request(_content_language)


def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    user = authenticate_token(raw.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise ApiError(401)
    g.api_user = user


def _content_language(response):
    response.headers["Content-Language"] = "zh-CN" if api_language() == "zh" else "en"
    return response


class Resource(MethodView):
    """A resource's views run in the Accept-Language locale (services' messages included)."""

    decorators = [with_api_locale]


def page_body(pagination, endpoint: str, args: dict, **view_args) -> dict:
    """The list envelope for a CappedPagination; ``args`` are the validated query arguments."""
    per_page = pagination.per_page
    total = min(pagination.total or 0, pagination.count_cap)
    last = max(math.ceil(total / per_page), 1)
    query = {key: _arg(value) for key, value in args.items()
             if key not in ("page", "per_page") and value not in (None, "")}

    def link(page):
        return url_for(endpoint, **view_args, **query, page=page, per_page=per_page)

    return {
        "items": list(pagination.items),
        "page": pagination.page,
        "per_page": per_page,
        "total": total,
        "total_is_capped": pagination.total_is_capped,
        "links": {
            "self": link(pagination.page), "first": link(1), "last": link(last),
            "prev": link(pagination.page - 1) if pagination.page > 1 else None,
            "next": link(pagination.page + 1) if pagination.page < last else None,
        },
    }


def _arg(value):
    value = getattr(value, "value", value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def visible_or_404(model, ident: int):
    """An owned record the API user may see (``permissions.scope``); 404 otherwise, as in the UI."""
    from ..extensions import db
    from ..permissions import scope
    from .errors import api_user

    record = db.session.scalar(scope(sa.select(model).where(model.id == ident), model, api_user()))
    if record is None:
        raise ApiError(404)
    return record


def get_or_404(model, ident: int):
    """A record of the shared address book (companies, contacts, titles, events, rates), archived ones
    included; 404 when there is none."""
    from ..extensions import db

    record = db.session.get(model, ident)
    if record is None:
        raise ApiError(404)
    return record


def new_owner(data: dict, current_owner_id: int | None, refusal, errors: dict | None = None):
    """The user a manager gives a record to (``owner_id``, taken out of ``data``), or None to keep the
    default (the API user on create, ``current_owner_id`` on update). A rep asking for another owner
    gets 403 with ``refusal``; an unknown or inactive user is a 422 on owner_id (added to ``errors``
    instead, when given, for a caller that reports every field at once)."""
    from ..auth.models import User
    from ..extensions import db
    from ..i18n import lazy_gettext as _l
    from .errors import api_user

    owner_id = data.pop("owner_id", None)
    user = api_user()
    if owner_id is None or owner_id == (current_owner_id if current_owner_id is not None else user.id):
        return None
    if not user.is_manager:
        raise ApiError(403, refusal)
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active:
        problem = {"owner_id": [_l("Choose an active user.")]}
        if errors is None:
            raise ApiError(422, errors=problem)
        errors.update(problem)
    return owner


def require(condition: bool, status: int = 403) -> None:
    if not condition:
        raise ApiError(status)
