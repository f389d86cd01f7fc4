from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..companies.models import HAS_A_NAME, Company
from ..extensions import db
from ..model_mixins import ArchivableMixin, BilingualNameMixin, TimestampMixin

event_companies = sa.Table(
    "event_companies",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("company_id", sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
)


class Event(BilingualNameMixin, ArchivableMixin, TimestampMixin, db.Model):
    """A market, festival or summit (活动/展会) such as MIP China."""

    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint(HAS_A_NAME, name="has_name"),
        sa.CheckConstraint("end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    venue: Mapped[str | None] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    # IANA zone: the event's dates and schedule are shown in it.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    organiser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    organiser: Mapped[Company | None] = relationship()
    companies: Mapped[list[Company]] = relationship(secondary=event_companies)
