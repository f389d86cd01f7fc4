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


def _name_tokens(name: str | None) -> list[str]:
    """The distinguishing words of a name, lower case: "Millimages S.A." → ["millimages"]."""
    if not name:
        return []
    text = unicodedata.normalize("NFKC", name).lower()
    for form in _ZH_LEGAL_FORMS:
        text = text.replace(form, " ")
    text = text.replace(".", "")
    text = _LEGAL_FORMS.sub(" ", text)
    return re.findall(r"[^\W_]+", text)


def normalise_company_name(name: str | None) -> str:
    """Lower case, no punctuation, spaces or legal forms: "Millimages S.A." → "millimages"."""
    return "".join(_name_tokens(name))


def find_duplicate_companies(name_en: str | None, name_zh: str | None, exclude_id: int | None = None) -> list[Company]:
    """Companies (archived ones too) whose normalised English or Chinese name equals
    either given name, e.g. "Hangzhou Thunder Animation Co., Ltd." and
    "hangzhou thunder animation", or "杭州雷霆动画有限公司" and "杭州雷霆动画"."""
    wanted = {n for n in (normalise_company_name(name_en), normalise_company_name(name_zh)) if n}
    if not wanted:
        return []
    # Narrow in SQL: a name equal after normalising contains every word of the
    # normalised name, so require each word (LIKE) in either name column; then
    # compare exactly in Python.
    candidates = []
    for name in {name_en, name_zh}:
        tokens = sorted(set(_name_tokens(name)), key=len, reverse=True)[:4]
        for col in (Company.name_en, Company.name_zh):
            if tokens:
                candidates.append(sa.and_(*(col.ilike(_contains(t), escape="\\") for t in tokens)))
    stmt = sa.select(Company).where(sa.or_(*candidates)).order_by(Company.archived_at.is_not(None), Company.id)
    if exclude_id is not None:
        stmt = stmt.where(Company.id != exclude_id)
    return [
        c for c in db.session.scalars(stmt.limit(200))
        if wanted & ({normalise_company_name(c.name_en), normalise_company_name(c.name_zh)} - {""})
    ]


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
