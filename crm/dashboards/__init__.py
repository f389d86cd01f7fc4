"""Pipeline dashboards (issue 6): managers see everyone's figures, reps their own."""

from flask import Blueprint

bp = Blueprint("dashboards", __name__, url_prefix="/dashboard")

from . import views  # noqa: E402,F401
