"""Archive, restore and hard delete for any record, the same way everywhere.

Records are archived (restorable). Only admins hard-delete, and never while
another row references the record: ``dependents`` says what would block it.
"""

from __future__ import annotations

import sqlalchemy as sa

from .db_types import utcnow
from .extensions import db


def newly_archived(records, kept_ids) -> list:
    """Those of ``records`` that are archived and not among ``kept_ids``: an archived company or title
    cannot be newly chosen, but a record that already links one keeps it (forms, services, the API)."""
    return [r for r in records if r is not None and r.archived_at is not None and r.id not in kept_ids]


def archive(obj) -> None:
    if obj.archived_at is None:
        obj.archived_at = utcnow()


def restore(obj) -> None:
    obj.archived_at = None


def dependents(obj) -> dict[str, int]:
    """{table name: rows referencing ``obj``} for references that would block a delete.

    Association rows with ON DELETE CASCADE (e.g. event attendance) go with the
    record and do not block it.
    """
    table = obj.__table__
    found: dict[str, int] = {}
    for other in db.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is not table or (fk.ondelete or "").upper() == "CASCADE":
                continue
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(other).where(fk.parent == obj.id)
            )
            if count:
                found[other.name] = found.get(other.name, 0) + count
    return found


def hard_delete(obj) -> dict[str, int]:
    """Delete ``obj`` if nothing depends on it; returns the blocking dependents otherwise."""
    blocking = dependents(obj)
    if not blocking:
        db.session.delete(obj)
        db.session.flush()
    return blocking
