from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from ..audit import views as audit_views  # noqa: E402,F401  (/admin/audit)
from ..rates import views as rates_views  # noqa: E402,F401  (/admin/rates)
from . import stages, views  # noqa: E402,F401
