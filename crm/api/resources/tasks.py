"""/api/v1/tasks: follow-ups (任务). Reps see and change their own tasks only."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import request
from marshmallow import validate

from ...audit.models import record
from ...auth.models import User
from ...companies.models import Company, Contact
from ...deals.models import Deal
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...leads.models import Lead
from ...listing import paginate
from ...meetings.models import Meeting
from ...permissions import scope
from ...tasks.models import Task
from ...tasks.services import TaskError, archive_task, complete_task, create_task, reopen_task, update_task
from .. import fields as f
from ..core import Blueprint, Resource, new_owner, page_body, visible_or_404
from ..errors import ApiError, api_user
from ..schemas import ListQuerySchema, Schema, page_schema

tasks = Blueprint("api_tasks", __name__, url_prefix="/api/v1/tasks",
                  description="Tasks and follow-ups. Reps see their own tasks only.")

SUBJECTS = {"deal_id": Deal, "lead_id": Lead, "company_id": Company, "contact_id": Contact, "meeting_id": Meeting}
OWNED_SUBJECTS = (Deal, Lead, Meeting)


class TaskSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    subject = f.String(max_length=300, required=True, metadata={"description": "What needs doing"})
    due_on = f.Date(allow_none=True)
    notes = f.String(max_length=20000, allow_none=True)
    done = ma.fields.Boolean(metadata={"description": "true completes the task, false reopens it"})
    done_at = f.AwareDateTime(dump_only=True, allow_none=True)
    owner_id = f.Id(metadata={"description": "Managers and admins may give the task to another user"})
    deal_id = f.Id(allow_none=True)
    lead_id = f.Id(allow_none=True)
    company_id = f.Id(allow_none=True)
    contact_id = f.Id(allow_none=True)
    meeting_id = f.Id(allow_none=True)
    archived_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)


class TaskPatchSchema(TaskSchema):
    class Meta:
        exclude = ("deal_id", "lead_id", "company_id", "contact_id", "meeting_id")


class TaskQuerySchema(ListQuerySchema):
    done = ma.fields.Boolean(load_default=None, allow_none=True)
    owner_id = f.Id(strict=False, load_default=None, metadata={"description": "Managers only"})
    archived = ma.fields.Boolean(load_default=False)
    sort = f.String(load_default="due_on", validate=[validate.OneOf(
        ["due_on", "-due_on", "created", "-created"], error="Must be one of: {choices}.")])


TaskPage = page_schema(TaskSchema, "TaskPage")


def task_out(task: Task) -> Task:
    task.done = task.done_at is not None
    return task


def get_task(task_id: int) -> Task:
    return visible_or_404(Task, task_id)


def _owner_id(data: dict, current: int | None = None) -> int | None:
    owner = new_owner(data, current, _l("Only managers and admins can give a task to another user."))
    return owner.id if owner else None


def _subject(data: dict) -> dict:
    """At most one record the task hangs off; it must exist and be visible to the user."""
    given = {k: data.pop(k) for k in list(SUBJECTS) if data.get(k) is not None}
    for key in SUBJECTS:
        data.pop(key, None)
    if len(given) > 1:
        raise ApiError(422, errors={key: [_l("Attach the task to one record at most.")] for key in given})
    for key, ident in given.items():
        model = SUBJECTS[key]
        stmt = sa.select(model).where(model.id == ident)
        if model in OWNED_SUBJECTS:
            stmt = scope(stmt, model, api_user())
        if db.session.scalar(stmt) is None:
            raise ApiError(422, errors={key: [_l("Unknown record.")]})
    return given


@tasks.route("")
class Tasks(Resource):
    @tasks.arguments(TaskQuerySchema, location="query")
    @tasks.response(200, TaskPage)
    def get(self, args):
        """List the tasks the user may see; open ones by due date first by default."""
        user = api_user()
        stmt = scope(sa.select(Task), Task, user).where(
            Task.archived_at.is_not(None) if args["archived"] else Task.archived_at.is_(None))
        if args["done"] is not None:
            stmt = stmt.where(Task.done_at.is_not(None) if args["done"] else Task.done_at.is_(None))
        if args["owner_id"] and user.is_manager:
            stmt = stmt.where(Task.owner_id == args["owner_id"])
        key = args["sort"]
        column = {"due_on": Task.due_on, "created": Task.id}[key.lstrip("-")]
        descending = key.startswith("-")
        # Tasks without a due date last, the same on both databases (NULL order differs).
        undated = sa.case((Task.due_on.is_(None), 1), else_=0)
        stmt = stmt.order_by(undated, column.desc() if descending else column.asc(),
                             Task.id.desc() if descending else Task.id.asc())
        body = page_body(paginate(stmt, page=args["page"], per_page=args["per_page"]), "api_tasks.Tasks", args)
        body["items"] = [task_out(t) for t in body["items"]]
        return body

    @tasks.arguments(TaskSchema)
    @tasks.response(201, TaskSchema)
    @tasks.alt_response(403, response="FORBIDDEN")
    def post(self, data):
        """Create a task, optionally attached to a deal, lead, company, contact or meeting."""
        user = api_user()
        owner_id = _owner_id(data)
        subject = _subject(data)
        done = data.pop("done", False)
        try:
            task = create_task(owner=db.session.get(User, owner_id) if owner_id else user, **data, **subject)
        except TaskError as exc:
            db.session.rollback()
            raise ApiError(422, errors={"subject": [exc.args[0]]}) from None
        if done:
            complete_task(task)
        record("create", user_id=user.id, entity=task, ip=request.remote_addr)
        db.session.commit()
        return task_out(task)


@tasks.route("/<id:task_id>")
class TaskItem(Resource):
    @tasks.response(200, TaskSchema)
    @tasks.alt_response(404, response="NOT_FOUND")
    def get(self, task_id):
        """One task (404 for another rep's task)."""
        return task_out(get_task(task_id))

    @tasks.arguments(TaskPatchSchema(partial=True))
    @tasks.response(200, TaskSchema)
    @tasks.alt_response(403, response="FORBIDDEN")
    @tasks.alt_response(404, response="NOT_FOUND")
    def patch(self, data, task_id):
        """Change a task; ``done`` completes or reopens it."""
        task = get_task(task_id)
        owner_id = _owner_id(data, task.owner_id)
        done = data.pop("done", None)
        try:
            update_task(task, subject=data.get("subject", task.subject), due_on=data.get("due_on", task.due_on),
                        notes=data.get("notes", task.notes), owner_id=owner_id)
        except TaskError as exc:
            db.session.rollback()
            raise ApiError(422, errors={"subject": [exc.args[0]]}) from None
        if done is True:
            complete_task(task)
        elif done is False:
            reopen_task(task)
        record("update", user_id=api_user().id, entity=task, ip=request.remote_addr)
        db.session.commit()
        return task_out(task)

    @tasks.response(204)
    @tasks.alt_response(404, response="NOT_FOUND")
    def delete(self, task_id):
        """Archive the task."""
        task = get_task(task_id)
        if task.archived_at is None:
            archive_task(task)
            record("archive", user_id=api_user().id, entity=task, ip=request.remote_addr)
            db.session.commit()
