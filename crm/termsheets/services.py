"""Generating and storing numbered term-sheet versions."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from ..audit.models import record
from ..db_events import deferred_reads
from ..enums import DocumentLanguage
from ..extensions import db
from .models import TermSheet
from .render import render_pdf

#: Attempts at taking the next number when another request takes it first.
NUMBER_ATTEMPTS = 5


def latest(deal_id: int, language: DocumentLanguage) -> TermSheet | None:
    return db.session.scalar(
        sa.select(TermSheet).where(TermSheet.deal_id == deal_id, TermSheet.language == language)
        .order_by(TermSheet.number.desc()).limit(1)
    )


def versions(deal_id: int) -> list[TermSheet]:
    return list(db.session.scalars(
        sa.select(TermSheet).where(TermSheet.deal_id == deal_id).order_by(TermSheet.number.desc())
    ))


def _same_version(deal, language: DocumentLanguage) -> TermSheet | None:
    existing = latest(deal.id, language)
    return existing if existing is not None and existing.deal_version == deal.version else None


def generate(deal, language: DocumentLanguage | str, user) -> TermSheet:
    """The term sheet for the deal as it is now: the existing version when the latest one
    in this language came from the same deal version, else a new numbered version.
    Adds to the session; the caller commits. Raises FontMissingError (nothing stored).

    Two requests (or two app servers) generating at once both read the same highest
    number; the unique (deal, number) constraint refuses the second insert, which then
    retries inside a savepoint with the next number, or returns the version the other
    request just stored when it is the same document. On SQLite the render runs outside
    the write lock (``deferred_reads``: the session must hold no pending change)."""
    language = DocumentLanguage(language)
    if (existing := _same_version(deal, language)) is not None:
        return existing
    deal_version = deal.version
    with deferred_reads():  # SQLite: other writers go on while this renders
        pdf = render_pdf(deal, language)
    digest = hashlib.sha256(pdf).hexdigest()
    for _attempt in range(NUMBER_ATTEMPTS):
        if (existing := _same_version(deal, language)) is not None and existing.deal_version == deal_version:
            return existing  # another request stored this very document meanwhile
        number = (db.session.scalar(
            sa.select(sa.func.max(TermSheet.number)).where(TermSheet.deal_id == deal.id)) or 0) + 1
        sheet = TermSheet(
            deal_id=deal.id, number=number, language=language, deal_version=deal_version,
            generated_by_id=getattr(user, "id", None), sha256=digest, size_bytes=len(pdf), content=pdf,
        )
        try:
            with db.session.begin_nested():
                db.session.add(sheet)
        except sa.exc.IntegrityError:
            continue  # the savepoint is rolled back; the outer transaction goes on
        record("generate", user_id=getattr(user, "id", None), entity=sheet,
               changes={"deal_id": deal.id, "number": number, "language": language.value, "sha256": digest})
        return sheet
    raise RuntimeError(f"could not number a term sheet for deal {deal.id} after {NUMBER_ATTEMPTS} attempts")
