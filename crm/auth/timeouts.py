"""Idle and absolute session timeouts (ASVS 7.3).

A signed-in browser session ends after ``CRM_IDLE_MINUTES`` without a request and
``CRM_SESSION_HOURS`` after sign-in, whatever the activity. "Keep me signed in" is an
explicit choice to stay signed in: such sessions are bounded by the remember-me
cookie's lifetime (``CRM_REMEMBER_DAYS``) and by logout/password/role changes, which
rotate the user's session token. API requests (bearer tokens) carry no session.
"""

from __future__ import annotations

import time

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

#: Don't rewrite the session cookie on every request: "last seen" has this resolution.
SEEN_RESOLUTION = 60


def start(remembered: bool = False) -> None:
    """Call right after login_user()."""
    now = int(time.time())
    session["auth_at"] = now
    session["seen_at"] = now
    session["remembered"] = remembered


def _expired(now: int, idle: int, absolute: int) -> bool:
    if session.get("remembered"):
        return False
    auth_at, seen_at = session.get("auth_at"), session.get("seen_at")
    if auth_at is None or seen_at is None:
        return False
    return now - seen_at > idle or now - auth_at > absolute


def register(app: Flask) -> None:
    idle = app.config["CRM_IDLE_MINUTES"] * 60
    absolute = app.config["CRM_SESSION_HOURS"] * 3600

    @app.before_request
    def _enforce_session_timeouts():
        if request.endpoint in (None, "static") or (request.blueprint or "").startswith("api"):
            return None
        if not current_user.is_authenticated:
            return None
        now = int(time.time())
        if "auth_at" not in session:  # signed in again from the remember-me cookie
            start(remembered=True)
            return None
        if _expired(now, idle, absolute):
            lang = session.get("lang")
            logout_user()
            session.clear()
            if lang:
                session["lang"] = lang
            flash(_("Your session has expired: please sign in again."), "info")
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))
        if now - session.get("seen_at", 0) >= SEEN_RESOLUTION:
            session["seen_at"] = now
        return None
