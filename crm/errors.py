"""Error pages in the user's language."""

from flask import render_template
from werkzeug.exceptions import HTTPException

from .api.errors import error_response as api_error_response
from .api.errors import is_api_request
from .extensions import db


def register(app) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if is_api_request():
            return api_error_response(error)
        template = f"errors/{error.code}.html" if error.code in (400, 403, 404, 405, 413) else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        if is_api_request():
            return api_error_response(error)
        return render_template("errors/500.html"), 500
