"""Write-side rules for tasks and notes."""

from __future__ import annotations

import datetime as dt

from ..db_types import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..records import archive, restore
from .models import Note, Task

# The records a task or note can hang off, by the name forms and URLs use.
SUBJECT_KINDS = ("deal", "lead", "company", "contact", "meeting")
OWNED_SUBJECTS = frozenset({"deal", "lead", "meeting"})  # the rest are the shared address book
NOTE_MAX = 10_000


def visible_subject(kind: str, ident: int, user):
    """The record of ``kind`` a task or note hangs off, if ``user`` may see it; None otherwise
    (another rep's deal, lead or meeting counts as missing). Shared by the web UI and the API."""
    import sqlalchemy as sa

    from ..companies.models import Company, Contact
    from ..deals.models import Deal
    from ..leads.models import Lead
    from ..meetings.models import Meeting
    from ..permissions import scope

    model = {"deal": Deal, "lead": Lead, "company": Company, "contact": Contact, "meeting": Meeting}[kind]
    stmt = sa.select(model).where(model.id == ident)
    if kind in OWNED_SUBJECTS:
        stmt = scope(stmt, model, user)
    return db.session.scalar(stmt)


class TaskError(ValueError):
    """A rule a task or note change broke; ``args[0]`` is a lazy, translatable message."""


def subject_fields(kind: str | None, ident: int | None) -> dict:
    """``{"deal_id": 5}`` for ("deal", 5); ``{}`` for no subject. Unknown kinds raise TaskError."""
    if not kind:
        return {}
    if kind not in SUBJECT_KINDS or not ident:
        raise TaskError(_l("Unknown record."))
    return {f"{kind}_id": ident}


def create_task(*, owner, subject: str, **fields) -> Task:
    """A follow-up for ``owner``; attach it to at most one of deal/lead/company/contact/meeting."""
    subject = (subject or "").strip()
    if not subject:
        raise TaskError(_l("Enter what needs doing."))
    task = Task(owner_id=owner.id, subject=subject, **fields)
    db.session.add(task)
    db.session.flush()
    return task


def update_task(task: Task, *, subject: str, due_on: dt.date | None, notes: str | None, owner_id: int | None = None):
    subject = (subject or "").strip()
    if not subject:
        raise TaskError(_l("Enter what needs doing."))
    task.subject = subject
    task.due_on = due_on
    task.notes = (notes or "").strip() or None
    if owner_id is not None:
        task.owner_id = owner_id
    db.session.flush()
    return task


def complete_task(task: Task) -> None:
    if task.done_at is None:
        task.done_at = utcnow()


def reopen_task(task: Task) -> None:
    task.done_at = None


def archive_task(task: Task) -> None:
    archive(task)


def restore_task(task: Task) -> None:
    restore(task)


def add_note(*, author, body: str, **subject) -> Note:
    body = (body or "").strip()
    if not body:
        raise TaskError(_l("Write something in the note."))
    if len(body) > NOTE_MAX:
        raise TaskError(_l("A note can be at most %(max)d characters.", max=NOTE_MAX))
    note = Note(author_id=author.id, body=body, **subject)
    db.session.add(note)
    db.session.flush()
    return note
