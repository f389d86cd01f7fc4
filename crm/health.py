"""/healthz: what a load balancer or an operator needs to know, as JSON, without signing in.

"ok" — database reachable, PDFs fast; "degraded" — the app works but term sheets are
slow or cannot contain Chinese (see ``problems``); "error" (503) — no database.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, Flask, jsonify

from .extensions import db
from .termsheets import fonts

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        database = "unreachable"
    problems = fonts.pdf_engine_problems()
    status = "error" if database != "ok" else "degraded" if problems else "ok"
    body = {
        "status": status,
        "database": database,
        "pdf": {"cjk_font": fonts.cjk_font_family(), "fast_font_subsetting": fonts.fast_subsetting()},
        "problems": problems,
    }
    return jsonify(body), 503 if database != "ok" else 200


def log_pdf_engine_problems(app: Flask) -> None:
    """Say at start, in the log, when term sheets will be slow or impossible."""
    with app.app_context():
        for problem in fonts.pdf_engine_problems():
            app.logger.warning("term sheets: %s", problem)
