"""Generating and storing numbered term-sheet versions."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from ..audit.models import record
from ..enums import DocumentLanguage
from ..extensions import db
from .models import TermSheet
from .render import render_pdf


def latest(deal_id: int, language: DocumentLanguage) -> TermSheet | None:
    return db.session.scalar(
        sa.select(TermSheet).where(TermSheet.deal_id == deal_id, TermSheet.language == language)
        .order_by(TermSheet.number.desc()).limit(1)
    )


def versions(deal_id: int) -> list[TermSheet]:
    return list(db.session.scalars(
        sa.select(TermSheet).where(TermSheet.deal_id == deal_id).order_by(TermSheet.number.desc())
    ))


def generate(deal, language: DocumentLanguage | str, user) -> TermSheet:
    """The term sheet for the deal as it is now: the existing version when the latest one
    in this language came from the same deal version, else a new numbered version.
    Adds to the session; the caller commits. Raises FontMissingError (nothing stored)."""
    language = DocumentLanguage(language)
    existing = latest(deal.id, language)
    if existing is not None and existing.deal_version == deal.version:
        return existing
    pdf = render_pdf(deal, language)
    number = (db.session.scalar(sa.select(sa.func.max(TermSheet.number)).where(TermSheet.deal_id == deal.id)) or 0) + 1
    sheet = TermSheet(
        deal_id=deal.id, number=number, language=language, deal_version=deal.version,
        generated_by_id=getattr(user, "id", None), sha256=hashlib.sha256(pdf).hexdigest(),
        size_bytes=len(pdf), content=pdf,
    )
    db.session.add(sheet)
    db.session.flush()
    record("generate", user_id=getattr(user, "id", None), entity=sheet,
           changes={"deal_id": deal.id, "number": number, "language": language.value, "sha256": sheet.sha256})
    return sheet
