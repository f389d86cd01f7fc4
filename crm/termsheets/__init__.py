from flask import Blueprint

bp = Blueprint("termsheets", __name__)

from . import views  # noqa: E402,F401
