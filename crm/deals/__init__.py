from flask import Blueprint

bp = Blueprint("deals", __name__, url_prefix="/deals")

from . import views  # noqa: E402,F401
