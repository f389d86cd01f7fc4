from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..companies.models import Company, Contact
from ..db_types import UTCDateTime, str_enum
from ..enums import MeetingStatus
from ..events.models import Event
from ..extensions import db
from ..model_mixins import ArchivableMixin, TimestampMixin

meeting_users = sa.Table(
    "meeting_users",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

meeting_contacts = sa.Table(
    "meeting_contacts",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("contact_id", sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
)


class Meeting(ArchivableMixin, TimestampMixin, db.Model):
    """A meeting (会面), often a pre-scheduled one-to-one at a market."""

    __tablename__ = "meetings"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint("interest_level IS NULL OR interest_level BETWEEN 1 AND 5", name="interest_range"),
        # Covers "my meetings, not archived, by date" (and its count) without table lookups.
        sa.Index("ix_meetings_owner_starts", "owner_id", "archived_at", "starts_at"),
        # Managers' list: unarchived meetings by start time, and their count, from the index alone.
        sa.Index("ix_meetings_archived_starts", "archived_at", "starts_at"),
        # An event's meetings; the dashboard's meetings held per event from the index alone.
        sa.Index("ix_meetings_event_status", "event_id", "status", "owner_id", "archived_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id"))  # ix_meetings_event_status
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(default=30)
    location: Mapped[str | None] = mapped_column(sa.String(120))  # table or room
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus, "status"), default=MeetingStatus.SCHEDULED
    )
    notes: Mapped[str | None] = mapped_column(sa.Text)
    interest_level: Mapped[int | None]  # 1 (none) to 5 (hot)
    next_step: Mapped[str | None] = mapped_column(sa.String(300))
    follow_up_date: Mapped[dt.date | None]

    event: Mapped[Event | None] = relationship()
    owner: Mapped[User] = relationship()
    company: Mapped[Company | None] = relationship()
    users: Mapped[list[User]] = relationship(secondary=meeting_users)
    contacts: Mapped[list[Contact]] = relationship(secondary=meeting_contacts)

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)
