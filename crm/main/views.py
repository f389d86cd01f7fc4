from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import LOCALES
from ..urls import safe_next
from . import bp
from .dashboard import dashboard_data


@bp.route("/")
@login_required
def dashboard():
    return render_template("main/dashboard.html", **dashboard_data(current_user))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the UI language: saved on the user, or in the session before login."""
    lang = request.form.get("lang")
    if lang in LOCALES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.dashboard")))
