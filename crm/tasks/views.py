"""My tasks, task editing, and the generic "add a note" endpoint used by record pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.models import User
from ..extensions import db
from ..i18n import user_today
from ..permissions import get_visible_or_404
from ..urls import safe_next
from . import bp
from .forms import TaskForm
from .models import Task
from .queries import group_open, task_lists, task_subject, task_subjects
from .services import (
    SUBJECT_KINDS,
    TaskError,
    add_note,
    archive_task,
    complete_task,
    create_task,
    reopen_task,
    restore_task,
    subject_fields,
    update_task,
    visible_subject,
)


def resolve_subject(kind: str | None, ident) -> object | None:
    """The record a note or task is about, if ``current_user`` may see it; 404 otherwise.
    None when no subject was given."""
    if not kind and not ident:
        return None
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    if kind not in SUBJECT_KINDS:
        abort(404)
    return visible_subject(kind, ident, current_user) or abort(404)


def subject_url(kind: str | None, ident: int | None) -> str | None:
    if not kind:
        return None
    return url_for(f"{'companies' if kind == 'company' else kind + 's'}.detail", **{f"{kind}_id": ident})


def _owner_choices() -> list[tuple[int, str]]:
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name)).all()
    return [(u.id, u.name) for u in users]


@bp.route("/tasks/")
@login_required
def index():
    """The current user's tasks. Managers may look at one owner's (?owner=<id>) or everyone's (?owner=all)."""
    owner_arg = request.args.get("owner", "")
    everyone = current_user.is_manager and owner_arg == "all"
    owner_id = request.args.get("owner", type=int) if current_user.is_manager else None
    archived = request.args.get("archived") == "1"
    lists = task_lists(current_user, owner_id=owner_id, everyone=everyone, archived=archived)
    today = user_today(current_user)
    subjects = task_subjects(current_user, [*lists["open"], *lists["done"], *lists["archived"]])
    owners = _owner_choices() if current_user.is_manager else []
    return render_template(
        "tasks/index.html", groups=group_open(lists["open"], today), done=lists["done"],
        archived_tasks=lists["archived"], archived=archived, today=today, subjects=subjects,
        subject_of=task_subject, subject_url=subject_url, owners=owners, owner_arg=owner_arg,
        everyone=everyone, open_total=len(lists["open"]),
    )


def _task_form(task: Task | None = None) -> TaskForm:
    form = TaskForm(obj=task)
    if current_user.is_manager:
        form.owner_id.choices = _owner_choices()
        if request.method == "GET":
            form.owner_id.data = task.owner_id if task else current_user.id
    else:
        del form.owner_id
    return form


def _owner_from(form: TaskForm) -> int | None:
    if "owner_id" not in form._fields:
        return None
    return form.owner_id.data or current_user.id


@bp.route("/tasks/new", methods=["GET", "POST"])
@login_required
def create():
    """New task, optionally about one record (subject_type + subject_id); 404 if the user may not see it."""
    form = _task_form()
    if request.method == "GET":
        form.subject_type.data = request.args.get("subject_type", "")
        form.subject_id.data = request.args.get("subject_id", "")
        form.next.data = request.args.get("next", "")
    kind = form.subject_type.data or None
    record = resolve_subject(kind, form.subject_id.data)
    if form.validate_on_submit():
        owner = db.session.get(User, _owner_from(form) or current_user.id) or current_user
        try:
            create_task(owner=owner, subject=form.subject.data, due_on=form.due_on.data,
                        notes=(form.notes.data or "").strip() or None,
                        **subject_fields(kind, record.id if record else None))
        except TaskError as exc:
            form.subject.errors.append(str(exc.args[0]))
        else:
            db.session.commit()
            flash(_("Task added."), "success")
            return redirect(safe_next(form.next.data, url_for("tasks.index")))
    return render_template("tasks/form.html", form=form, task=None, record=record, kind=kind,
                           record_url=subject_url(kind, record.id) if record else None)


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@login_required
def edit(task_id: int):
    """Edit a task; 404 for another rep's task."""
    task = get_visible_or_404(Task, task_id, current_user)
    form = _task_form(task)
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    kind, ident = task_subject(task)
    if form.validate_on_submit():
        try:
            update_task(task, subject=form.subject.data, due_on=form.due_on.data, notes=form.notes.data,
                        owner_id=_owner_from(form))
        except TaskError as exc:
            form.subject.errors.append(str(exc.args[0]))
        else:
            db.session.commit()
            flash(_("Task saved."), "success")
            return redirect(safe_next(form.next.data, url_for("tasks.index")))
    record = task_subjects(current_user, [task]).get((kind, ident)) if kind else None
    return render_template("tasks/form.html", form=form, task=task, record=record, kind=kind,
                           record_url=subject_url(kind, ident) if record else None)


def _state_change(task_id: int, change, message: str):
    task = get_visible_or_404(Task, task_id, current_user)
    change(task)
    db.session.commit()
    flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("tasks.index")))


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int):
    return _state_change(task_id, complete_task, _("Task done."))


@bp.post("/tasks/<int:task_id>/reopen")
@login_required
def reopen(task_id: int):
    return _state_change(task_id, reopen_task, _("Task reopened."))


@bp.post("/tasks/<int:task_id>/archive")
@login_required
def archive(task_id: int):
    return _state_change(task_id, archive_task, _("Task archived."))


@bp.post("/tasks/<int:task_id>/restore")
@login_required
def restore(task_id: int):
    return _state_change(task_id, restore_task, _("Task restored."))


@bp.post("/notes", endpoint="add_note")
@login_required
def add_note_view():
    """Add a note to a deal, lead, company, contact or meeting; 404 if the user may not see it."""
    kind = request.form.get("subject_type") or None
    record = resolve_subject(kind, request.form.get("subject_id"))
    if record is None:
        abort(404)
    fallback = subject_url(kind, record.id)
    try:
        add_note(author=current_user, body=request.form.get("body", ""), **subject_fields(kind, record.id))
    except TaskError as exc:
        flash(str(exc.args[0]), "error")
    else:
        db.session.commit()
        flash(_("Note added."), "success")
    return redirect(safe_next(request.form.get("next"), fallback))

