from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..companies.models import Company, Contact
from ..db_types import str_enum
from ..enums import DealType, Genre, LeadSource, LeadStatus
from ..events.models import Event
from ..extensions import db
from ..meetings.models import Meeting
from ..model_mixins import ArchivableMixin, TimestampMixin
from ..titles.models import Title

lead_titles = sa.Table(
    "lead_titles",
    db.metadata,
    sa.Column("lead_id", sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("title_id", sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True),
)


class Lead(ArchivableMixin, TimestampMixin, db.Model):
    """An interest worth following up (线索), typically from a market meeting."""

    __tablename__ = "leads"
    __table_args__ = (sa.Index("ix_leads_owner_status", "owner_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"))
    source: Mapped[LeadSource] = mapped_column(str_enum(LeadSource, "source"), default=LeadSource.EVENT)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"))
    deal_type: Mapped[DealType | None] = mapped_column(str_enum(DealType, "deal_type"))
    genre: Mapped[Genre | None] = mapped_column(str_enum(Genre, "genre"))
    status: Mapped[LeadStatus] = mapped_column(str_enum(LeadStatus, "status"), default=LeadStatus.NEW)
    summary: Mapped[str | None] = mapped_column(sa.String(300))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    disqualified_reason: Mapped[str | None] = mapped_column(sa.String(300))

    owner: Mapped[User] = relationship()
    company: Mapped[Company] = relationship()
    contact: Mapped[Contact | None] = relationship()
    event: Mapped[Event | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    titles: Mapped[list[Title]] = relationship(secondary=lead_titles)
