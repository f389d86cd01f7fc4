from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """Who did what to which record, and when (append-only)."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))  # e.g. "login", "create", "update"
    entity_type: Mapped[str | None] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    changes: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str | None] = mapped_column(sa.String(45))


def record(action: str, *, user_id=None, entity=None, changes=None, ip=None) -> AuditEntry:
    """Add an audit entry to the session (committed with the change it records)."""
    entry = AuditEntry(
        action=action,
        user_id=user_id,
        entity_type=entity.__tablename__ if entity is not None else None,
        entity_id=getattr(entity, "id", None),
        changes=changes,
        ip=ip,
    )
    db.session.add(entry)
    return entry
