"""The JSON REST API under /api/v1 (flask-smorest), its token page and its docs page.

``init_app`` is called once from the app factory: it registers every resource
blueprint, exempts them from CSRF (they accept bearer tokens only, never the
session cookie), and serves the OpenAPI document at /api/v1/openapi.json.
``crm create-token`` lives in cli.py (added to the crm command group by crm/cli.py).
"""

from __future__ import annotations

from flask import Flask, current_app

from .core import PREFIX, Api

# Responses every operation can give, added to each operation of the spec.
COMMON_RESPONSES = {"401": "UNAUTHORIZED"}
BODY_RESPONSES = {"400": "BAD_REQUEST", "422": "UNPROCESSABLE_ENTITY"}


def _resource_blueprints():
    from .resources.catalogue import events, titles
    from .resources.companies import companies, contacts
    from .resources.deals import deals, stages
    from .resources.leads import leads
    from .resources.meetings import meetings
    from .resources.notes import notes
    from .resources.pipeline import pipeline
    from .resources.rates import rates
    from .resources.rights import rights
    from .resources.tasks import tasks
    from .resources.termsheets import termsheets

    return [companies, contacts, titles, events, meetings, leads, deals, stages, tasks, rates, rights, termsheets,
            pipeline, notes]


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from .views import bp as ui_bp

    app.config.setdefault("API_TITLE", "CRM API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "The CRM's JSON API. Send a personal token as `Authorization: Bearer <token>`; "
                                "send `Accept-Language: zh-CN` for Chinese error messages."},
        "security": [{"bearerAuth": []}],
        "servers": [{"url": "/"}],
    })
    # Chinese stays readable in JSON (UTF-8, no \\u escapes); harmless for the app's other JSON.
    app.json.ensure_ascii = False
    api = Api(app)
    app.extensions["crm_api"] = api
    for blueprint in _resource_blueprints():
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    _document_common_responses(api)
    app.register_blueprint(ui_bp)


def current_api() -> Api:
    return current_app.extensions["crm_api"]


def _document_common_responses(api: Api) -> None:
    """401 on every operation; 400 (malformed JSON) and 422 on every operation with a body.
    Tags lose the blueprints' "api_" prefix ("api_deals" → "deals")."""
    for tag in api.spec._tags:
        tag["name"] = tag["name"].removeprefix("api_")
    for path in api.spec._paths.values():
        for method, operation in path.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            operation["tags"] = [t.removeprefix("api_") for t in operation.get("tags", [])]
            responses = operation.setdefault("responses", {})
            extra = dict(COMMON_RESPONSES)
            if "requestBody" in operation:
                extra.update(BODY_RESPONSES)
            for status, name in extra.items():
                if status not in responses:
                    responses[status] = api.spec.components.get_ref("response", name)
