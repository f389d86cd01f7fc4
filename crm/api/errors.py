"""JSON errors for every /api/ response: {"code", "message", "errors"} in the
language of the request's Accept-Language (never the session or the user's
saved preference: an API client says what it wants on each request).

``crm/errors.py`` hands every HTTP error on an /api/ path to ``error_response``,
so a routing 404, a 405, a 413 and a 500 are JSON like the API's own errors.
Validation messages from marshmallow/webargs are English strings; the ones we
know are translated here, when the response is built.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from functools import wraps

from flask import g, jsonify, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..i18n import LOCALES, normalise_language
from ..i18n import lazy_gettext as _l

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path == API_PREFIX[:-1] or request.path.startswith(API_PREFIX)


def api_language() -> str:
    """"en" or "zh" from Accept-Language alone (zh, zh-CN, zh-Hans → Chinese)."""
    for tag, _quality in request.accept_languages:
        lang = normalise_language(tag)
        if lang:
            return lang
    return "en"


@contextmanager
def api_locale():
    lang = api_language()
    with force_locale(LOCALES[lang]):
        yield lang


def with_api_locale(view):
    """Run a view in the Accept-Language locale (services' eager gettext calls included)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with api_locale():
            return view(*args, **kwargs)

    return wrapped


class ApiError(HTTPException):
    """An error a view raises on purpose: ``message`` (lazy), ``errors`` {field: [lazy, ...]}, extra body keys."""

    def __init__(self, status: int, message=None, errors: dict | None = None, code: str | None = None, **extra):
        super().__init__()
        self.code = status
        self.message = message
        self.errors = errors or {}
        self.error_code = code
        self.extra = extra


# Short machine-readable codes per status (the "code" of the body).
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_error", 429: "too_many_requests", 500: "server_error",
}


def _default_message(status: int):
    return {
        400: _l("The request could not be read. Send a JSON object."),
        401: _l("Send a valid API token: Authorization: Bearer <token>."),
        403: _l("Your role does not allow this."),
        404: _l("Not found, or not yours to see."),
        405: _l("This method is not allowed here."),
        409: _l("The record changed since you read it."),
        413: _l("The request is too large."),
        422: _l("Some fields are not valid."),
        500: _l("Something went wrong on our side. Nothing was saved."),
    }.get(status, _l("The request failed."))


# marshmallow / webargs messages we produce, translated when the response is built.
_FIXED = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Field may not be null.": _l("Field may not be null."),
    "Unknown field.": _l("Unknown field."),
    "Invalid input type.": _l("Invalid input type."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid datetime.": _l("Not a valid datetime."),
    "Not a valid list.": _l("Not a valid list."),
    "Not a valid mapping type.": _l("Not a valid mapping type."),
    "Not a valid email address.": _l("Not a valid email address."),
    "Not a valid URL.": _l("Not a valid URL."),
    "Not a valid decimal number.": _l("Not a valid decimal number."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Not a valid decimal number."),
    "Invalid JSON body.": _l("The body is not valid JSON."),
    "Not a valid aware datetime.": _l("Give a date and time with its offset, e.g. 2017-05-23T09:30:00+08:00."),
    "Out of range.": _l("Out of range."),
    "Text contains characters that are not allowed.": _l("Text contains characters that are not allowed."),
    "Unknown value.": _l("Choose a value from the list."),
}
_PATTERNS = [
    (re.compile(r"^At most (\d+) characters\.$"), lambda m: _("At most %(max)d characters.", max=int(m[1]))),
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: _("Must be one of: %(choices)s.", choices=m[1])),
    (re.compile(r"^Must be between (-?\d+) and (-?\d+)\.$"),
     lambda m: _("Must be between %(min)s and %(max)s.", min=m[1], max=m[2])),
]


def translate(message):
    """A message (lazy string, known English text, list or dict of them) as text in the active locale."""
    if isinstance(message, dict):
        return {str(k): translate(v) for k, v in message.items()}
    if isinstance(message, list | tuple):
        return [translate(m) for m in message]
    if not isinstance(message, str):
        return str(message)
    if message in _FIXED:
        return str(_FIXED[message])
    for pattern, render in _PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return message


def _dotted(prefix: str, messages, out: dict) -> None:
    """{"terms": {"payments": {0: {"percent": [...]}}}} → {"terms.payments.0.percent": [...]}."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            _dotted(f"{prefix}.{key}" if prefix else str(key), value, out)
        return
    out.setdefault(prefix or "_schema", [])
    out[prefix or "_schema"] += messages if isinstance(messages, list) else [messages]


def _flatten(messages) -> dict:
    """webargs' {"json": {...}, "query": {...}} → one {field path: [messages]} map, the same
    dotted paths the services use ("_schema" for the body as a whole)."""
    out: dict = {}
    if not isinstance(messages, dict):
        _dotted("", messages, out)
        return out
    for location, errors in messages.items():
        if location in ("json", "query", "querystring", "view_args", "headers", "form"):
            _dotted("", errors, out)
        else:
            _dotted(str(location), errors, out)
    return out


def error_body(status: int, message=None, errors: dict | None = None, code: str | None = None, **extra) -> dict:
    body = {"code": code or CODES.get(status, "error"), "status": status,
            "message": translate(message if message is not None else _default_message(status)),
            "errors": translate(errors or {})}
    body.update(extra)
    return body


def error_response(error: Exception):
    """The JSON response for any error raised while serving an /api/ path."""
    from ..extensions import db

    status = getattr(error, "code", None) if isinstance(error, HTTPException) else 500
    if not isinstance(status, int):
        status = 500
    if status >= 500:
        db.session.rollback()  # Flask has logged the exception already
    headers = {}
    with api_locale() as lang:
        if isinstance(error, ApiError):
            body = error_body(status, error.message, error.errors, error.error_code, **error.extra)
        else:
            data = getattr(error, "data", None) or {}
            errors = _flatten(data["messages"]) if "messages" in data else {}
            message = None
            if status == 400 and errors:
                message = _l("The body is not valid JSON.")
                errors = {}
            elif status == 422 and "_schema" in errors and set(errors) == {"_schema"}:
                message = _l("Send a JSON object.")
            body = error_body(status, message, errors)
            headers.update(data.get("headers") or {})
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        if status == 405 and isinstance(error, HTTPException):
            allow = error.get_headers()
            headers.update({k: v for k, v in allow if k.lower() == "allow"})
    response = jsonify(body)
    response.status_code = status
    response.headers["Content-Language"] = "zh-CN" if lang == "zh" else "en"
    for key, value in headers.items():
        response.headers[key] = value
    return response


def api_user():
    return g.api_user
