"""Rights availability: overlap logic (availability.py), database checks and
grants (services.py), plain-word messages (messages.py) and the "Check
availability" page (views.py)."""

from flask import Blueprint

bp = Blueprint("rights", __name__, url_prefix="/rights")

from . import views  # noqa: E402,F401
