from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..model_mixins import ArchivableMixin, TimestampMixin

# A task or note hangs off at most one of these records (or none, for a to-do).
_SUBJECTS = ("deal_id", "lead_id", "company_id", "contact_id", "meeting_id")
AT_MOST_ONE_SUBJECT = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in _SUBJECTS) + " <= 1"


class Task(ArchivableMixin, TimestampMixin, db.Model):
    """A follow-up (待办) owned by one user."""

    __tablename__ = "tasks"
    __table_args__ = (
        sa.CheckConstraint(AT_MOST_ONE_SUBJECT, name="one_subject"),
        sa.Index("ix_tasks_owner_due", "owner_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(sa.String(300))
    due_on: Mapped[dt.date | None]
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deals.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"), index=True)

    owner: Mapped[User] = relationship()

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Note(db.Model):
    """A dated note on a record's activity timeline."""

    __tablename__ = "notes"
    __table_args__ = (sa.CheckConstraint(AT_MOST_ONE_SUBJECT, name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deals.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"), index=True)

    author: Mapped[User | None] = relationship()
