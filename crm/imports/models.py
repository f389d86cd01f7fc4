"""Import uploads kept between the upload, preview and import steps (see storage.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class ImportUpload(db.Model):
    """A file between upload, preview and import, kept in the database so that every app
    server sees it (nothing on local disk). ``data`` goes once the file is imported or
    cancelled; ``result`` (counts and problems, no file content) stays until the TTL."""

    __tablename__ = "import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    meta: Mapped[dict] = mapped_column(sa.JSON)
    size_bytes: Mapped[int]
    data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    result_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
