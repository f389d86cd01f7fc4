"""Write-side rules for tasks and notes."""

from __future__ import annotations

from ..db_types import utcnow
from ..extensions import db
from .models import Note, Task


def create_task(*, owner, subject: str, **fields) -> Task:
    """A follow-up for ``owner``; attach it to at most one of deal/lead/company/contact/meeting."""
    task = Task(owner_id=owner.id, subject=subject.strip(), **fields)
    db.session.add(task)
    db.session.flush()
    return task


def complete_task(task: Task) -> None:
    if task.done_at is None:
        task.done_at = utcnow()


def reopen_task(task: Task) -> None:
    task.done_at = None


def add_note(*, author, body: str, **subject) -> Note:
    note = Note(author_id=author.id, body=body.strip(), **subject)
    db.session.add(note)
    db.session.flush()
    return note
