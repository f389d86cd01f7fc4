"""Search across bilingual records.

Interface used by list pages: ``stmt.where(search_clause(Model, q))`` for
Company, Contact and Title (and Event). The implementation (pinyin and
initials, indexed) is filled in by the search work; this first version matches
names, email and WeChat ID with a case-insensitive LIKE.
"""

from __future__ import annotations

import sqlalchemy as sa

MAX_QUERY = 100


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalise_query(q: str | None) -> str:
    return " ".join((q or "").split())[:MAX_QUERY]


def search_clause(model, q: str) -> sa.ColumnElement[bool]:
    """A WHERE clause matching records of ``model`` for the user's query ``q``."""
    q = normalise_query(q)
    if not q:
        return sa.true()
    pattern = like_pattern(q)
    columns = [getattr(model, name) for name in ("name_en", "name_zh", "email", "wechat_id") if hasattr(model, name)]
    return sa.or_(*(col.ilike(pattern, escape="\\") for col in columns))
