from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..auth.models import User
from ..db_types import UTCDateTime, str_enum, utcnow
from ..enums import DocumentLanguage
from ..extensions import db


class TermSheet(db.Model):
    """A generated term-sheet PDF: numbered per deal, bytes kept in the database
    so several app servers sharing one database serve the same file."""

    __tablename__ = "term_sheets"
    __table_args__ = (
        sa.UniqueConstraint("deal_id", "number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
        sa.CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id"), index=True)
    number: Mapped[int]
    language: Mapped[DocumentLanguage] = mapped_column(str_enum(DocumentLanguage, "language"))
    deal_version: Mapped[int]
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int]
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))

    generated_by: Mapped[User | None] = relationship()
