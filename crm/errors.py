"""Error pages in the user's language, and the same messages as JSON for the browser's own
JSON requests (the board's drag and drop), which cannot show an HTML page."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .api.errors import error_response as api_error_response
from .api.errors import is_api_request
from .extensions import db


def message(error: HTTPException | None) -> str:
    """What went wrong, in the user's language (None: an unexpected error)."""
    if error is None:
        return _("An unexpected error occurred. Nothing was saved. Please try again; if it keeps happening, "
                 "tell your administrator.")
    if isinstance(error, CSRFError):
        return _("This page has been open too long or was opened in another session. Reload it and try again.")
    return {
        400: lambda: _("The request could not be understood. If you were sending a form, reload the page and "
                       "try again."),
        403: lambda: _("Your role does not give access to this page. Ask an administrator if you need it."),
        404: lambda: _("This page does not exist, or you do not have access to it."),
        405: lambda: _("This address does not accept that kind of request."),
        413: lambda: _("The file you sent is larger than the app accepts."),
    }.get(error.code, lambda: _("The request could not be completed."))()


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def register(app) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if is_api_request():
            return api_error_response(error)
        if _wants_json():
            return jsonify(error=message(error)), error.code
        template = f"errors/{error.code}.html" if error.code in (400, 403, 404, 405, 413) else "errors/generic.html"
        return render_template(template, error=error, message=message(error)), error.code

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        if is_api_request():
            return api_error_response(error)
        if _wants_json():
            return jsonify(error=message(None)), 500
        return render_template("errors/500.html", message=message(None)), 500
