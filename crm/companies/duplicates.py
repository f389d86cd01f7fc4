"""Duplicate detection for the address book (on create and on import)."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from ..extensions import db
from .models import Company, Contact

# Legal-form words that do not distinguish one company from another.
_LEGAL_FORMS = re.compile(
    r"\b(co|company|ltd|limited|inc|incorporated|llc|gmbh|sa|sas|sarl|bv|plc|corp|corporation|group)\b\.?",
    re.IGNORECASE,
)
_ZH_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")


def normalise_company_name(name: str | None) -> str:
    """Lower case, no punctuation, spaces or legal forms: "Millimages S.A." → "millimages"."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).lower()
    for form in _ZH_LEGAL_FORMS:
        text = text.replace(form, "")
    text = text.replace(".", "")
    text = _LEGAL_FORMS.sub(" ", text)
    return "".join(ch for ch in text if ch.isalnum())


def find_duplicate_companies(name_en: str | None, name_zh: str | None, exclude_id: int | None = None) -> list[Company]:
    """Companies whose normalised English or Chinese name equals either given name."""
    wanted = {n for n in (normalise_company_name(name_en), normalise_company_name(name_zh)) if n}
    if not wanted:
        return []
    # Narrow in SQL by a cheap LIKE on each name's longest token, then compare exactly.
    candidates = sa.or_(
        *(col.ilike(f"%{w[:12]}%") for w in wanted for col in (Company.name_en, Company.name_zh))
    )
    stmt = sa.select(Company).where(candidates).limit(200)
    if exclude_id is not None:
        stmt = stmt.where(Company.id != exclude_id)
    return [
        c for c in db.session.scalars(stmt)
        if wanted & {normalise_company_name(c.name_en), normalise_company_name(c.name_zh)} - {""}
    ]


def find_duplicate_contacts(email: str | None, wechat_id: str | None, exclude_id: int | None = None) -> list[Contact]:
    """Contacts with the same email (case-insensitive) or the same WeChat ID."""
    conditions = []
    if email and email.strip():
        conditions.append(sa.func.lower(Contact.email) == email.strip().lower())
    if wechat_id and wechat_id.strip():
        conditions.append(Contact.wechat_id == wechat_id.strip())
    if not conditions:
        return []
    stmt = sa.select(Contact).where(sa.or_(*conditions))
    if exclude_id is not None:
        stmt = stmt.where(Contact.id != exclude_id)
    return list(db.session.scalars(stmt.limit(50)))
