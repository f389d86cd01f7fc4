from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..audit.models import record
from ..extensions import db, login_manager
from ..i18n import LANGUAGE_NAMES
from ..urls import safe_next
from . import bp, throttle, timeouts
from .forms import LoginForm, PreferencesForm
from .models import User
from .services import authenticate, end_all_sessions, normalise_email

COMMON_TIMEZONES = [
    "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul",
    "Europe/Paris", "Europe/London", "Europe/Berlin", "Europe/Amsterdam", "America/New_York",
    "America/Los_Angeles", "America/Toronto", "Australia/Sydney", "Pacific/Auckland", "UTC",
]
CURRENCIES = ["USD", "EUR", "CNY", "GBP", "HKD", "JPY", "KRW", "CAD", "AUD"]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    ident, _sep, token = user_id.partition(":")
    if not ident.isdigit() or not token:
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_token != token or not user.active:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data or "", request.remote_addr
        wait = throttle.retry_after(email, address)
        if wait:
            form.password.errors.append(_(
                "Too many failed sign-in attempts for this account or from your network. "
                "Try again in %(minutes)d minutes.", minutes=max(1, -(-wait // 60))))
            record("login_throttled", changes={"email": normalise_email(email)[:254]}, ip=address)
            db.session.commit()
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        user = authenticate(email, form.password.data)
        if user is None:
            # Who tried is worth knowing; what they typed as a password never is.
            record("login_failed", changes={"email": normalise_email(email)[:254]}, ip=address)
            throttle.record_failure(email, address)
            db.session.commit()
            form.password.errors.append(_("Invalid email or password."))
        else:
            throttle.clear_account(email)
            lang = session.get("lang")
            session.clear()  # no session fixation: a fresh session for the new identity
            login_user(user, remember=form.remember.data)
            timeouts.start(remembered=bool(form.remember.data))
            if user.locale is None and lang:
                user.locale = lang
            record("login", user_id=user.id, entity=user, ip=request.remote_addr)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("main.dashboard")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = db.session.get(User, current_user.id)
    # Every session, remember-me cookie and API token of the user ends: a copied cookie or a
    # forgotten token is worthless once its owner signs out (issue 8; scripts get a new token).
    end_all_sessions(user)
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferencesForm(obj=current_user)
    form.locale.choices = list(LANGUAGE_NAMES.items())
    form.timezone.choices = [(tz, tz) for tz in COMMON_TIMEZONES]
    form.reporting_currency.choices = [(c, c) for c in CURRENCIES]
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        current_user.timezone = form.timezone.data
        current_user.reporting_currency = form.reporting_currency.data
        db.session.commit()
        flash(_("Your preferences have been saved."), "success")
        return redirect(url_for("auth.preferences"))
    return render_template("auth/preferences.html", form=form)


