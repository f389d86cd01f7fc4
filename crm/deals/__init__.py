from flask import Blueprint

bp = Blueprint("deals", __name__, url_prefix="/deals")

from . import board, forecast_views, views  # noqa: E402,F401
