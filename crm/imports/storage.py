"""Uploaded files kept on the server between the upload, preview and import steps.

Nothing about the file travels through the browser except a random token: the
bytes and a small JSON description (file name, kind, encoding chosen, column
mapping) are a row of ``import_uploads`` (models.py), so every app server
sharing the database sees the same upload. A token is only honoured for the user
who uploaded it. The bytes are deleted once imported or cancelled; the result
(counts and the error report, no file content) is kept in the same row so the
result page and its CSV report can be reloaded. Anything older than
``CRM_IMPORT_TTL`` seconds (default 2 hours) is deleted whenever a new file is
uploaded.

Each function commits its own change: like the files this replaced, an upload
is there (or gone) for the next request whatever that request's transaction does.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import undefer

from ..db_types import utcnow
from ..extensions import db
from .models import ImportUpload

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
DEFAULT_TTL = 2 * 3600


def _ttl() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config.get("CRM_IMPORT_TTL", DEFAULT_TTL)))


def _fresh(at: dt.datetime | None) -> bool:
    return at is not None and utcnow() - at <= _ttl()


def _row(token: str, user_id: int, *, with_data: bool = False) -> ImportUpload | None:
    if not _TOKEN.match(token or ""):
        return None
    query = sa.select(ImportUpload).where(ImportUpload.token == token, ImportUpload.user_id == user_id)
    if with_data:
        query = query.options(undefer(ImportUpload.data))
    return db.session.scalars(query).one_or_none()


def save_upload(data: bytes, *, user_id: int, **meta) -> str:
    """Store ``data`` for ``user_id``; returns the token."""
    purge_expired()
    token = secrets.token_urlsafe(24)
    db.session.add(ImportUpload(token=token, user_id=user_id, kind=str(meta.get("kind") or ""), meta=meta,
                                size_bytes=len(data), data=data))
    db.session.commit()
    return token


def _meta(row: ImportUpload) -> dict:
    return {**row.meta, "user_id": row.user_id, "created": row.created_at.timestamp(), "size": row.size_bytes}


def load_upload(token: str, user_id: int) -> tuple[bytes, dict] | None:
    """(bytes, meta) if the token exists, is fresh and belongs to ``user_id``; else None."""
    row = _row(token, user_id, with_data=True)
    if row is None or row.data is None or not _fresh(row.created_at):
        return None
    return row.data, _meta(row)


def update_meta(token: str, user_id: int, **changes) -> None:
    row = _row(token, user_id)
    if row is not None and row.data is not None and _fresh(row.created_at):
        row.meta = {**row.meta, **changes}  # a new dict: JSON columns do not track in-place changes
        db.session.commit()


def delete_upload(token: str) -> None:
    """Drop the file's bytes; the row goes too unless it holds a result."""
    if not _TOKEN.match(token or ""):
        return
    row = db.session.scalars(sa.select(ImportUpload).where(ImportUpload.token == token)).one_or_none()
    if row is None:
        return
    if row.result is None:
        db.session.delete(row)
    else:
        row.data = None
    db.session.commit()


def save_result(token: str, user_id: int, result: dict) -> None:
    row = _row(token, user_id)
    if row is not None:
        row.result, row.result_at = result, utcnow()
        db.session.commit()


def load_result(token: str, user_id: int) -> dict | None:
    row = _row(token, user_id)
    if row is None or row.result is None or not _fresh(row.result_at):
        return None
    return row.result


def purge_expired(now: float | None = None) -> int:
    """Delete uploads and results older than the TTL; returns how many rows went.

    ``now`` is a POSIX timestamp (tests pass a future one)."""
    moment = dt.datetime.fromtimestamp(now, dt.UTC) if now else utcnow()
    cutoff = moment - _ttl()
    removed = db.session.execute(
        sa.delete(ImportUpload).where(
            ImportUpload.created_at < cutoff,
            sa.or_(ImportUpload.result_at.is_(None), ImportUpload.result_at < cutoff),
        )
    ).rowcount
    db.session.commit()
    return removed or 0
