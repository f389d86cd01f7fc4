"""User management (admins only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit.models import record
from ..auth.models import User
from ..auth.services import AccountError, create_user, end_all_sessions, normalise_email, set_password
from ..enums import Role
from ..extensions import db
from ..permissions import role_required
from . import bp
from .forms import UserForm


@bp.route("/users")
@role_required(Role.ADMIN)
def users():
    rows = db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create():
    form = UserForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Enter a password for the new user."))
        else:
            try:
                user = create_user(form.email.data, form.name.data, form.password.data, form.role.data,
                                   active=form.active.data)
            except AccountError as exc:
                form.email.errors.append(str(exc.args[0]))
            else:
                db.session.flush()
                record("create", user_id=current_user.id, entity=user, ip=request.remote_addr,
                       changes={"email": user.email, "role": user.role.value})
                db.session.commit()
                flash(_("User %(email)s created.", email=user.email), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        clash = db.session.scalar(sa.select(User.id).where(User.email == email, User.id != user.id))
        if clash:
            form.email.errors.append(_("A user with this email already exists."))
        elif user.id == current_user.id and (form.role.data != Role.ADMIN.value or not form.active.data):
            form.role.errors.append(_("You cannot remove your own administrator access."))
        else:
            try:
                if form.password.data:
                    set_password(user, form.password.data)
            except AccountError as exc:
                form.password.errors.append(str(exc.args[0]))
            else:
                changes = {}
                if user.role.value != form.role.data or user.active != form.active.data:
                    end_all_sessions(user)  # a new role or a deactivation takes effect at once
                for field, value in (("email", email), ("name", form.name.data.strip()),
                                     ("role", Role(form.role.data)), ("active", form.active.data)):
                    if getattr(user, field) != value:
                        changes[field] = getattr(value, "value", value)
                        setattr(user, field, value)
                record("update", user_id=current_user.id, entity=user, ip=request.remote_addr, changes=changes)
                db.session.commit()
                flash(_("User %(email)s saved.", email=user.email), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)
