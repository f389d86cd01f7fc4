"""Search across bilingual records.

Interface used by list pages: ``stmt.where(search_clause(Model, q))``.

* Company, Contact, Title and Event: an indexed prefix search over their
  normalised terms (names, full pinyin, pinyin initials, e-mail, WeChat ID;
  see search_index.py). Every word of the query must match.
* Lead, Deal, Meeting (anything with a ``company_id``): records of the
  companies matching ``q``.
* Other models with name, email or WeChat columns: a case-insensitive LIKE.

Archived records stay indexed: the list's own filters decide what is shown.
"""

from __future__ import annotations

import sqlalchemy as sa

from .search_index import ENTITY_TYPES, matching_ids, query_words
from .search_index import fold as fold  # re-exported for callers normalising text

MAX_QUERY = 100


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalise_query(q: str | None) -> str:
    """The query as typed, white space collapsed and cut to MAX_QUERY characters."""
    return " ".join((q or "").split())[:MAX_QUERY]


def search_clause(model, q: str | None) -> sa.ColumnElement[bool]:
    """A WHERE clause matching records of ``model`` for the user's query ``q``
    (always true for an empty query, always false for one made only of punctuation)."""
    q = normalise_query(q)
    if not q:
        return sa.true()
    from .companies.models import Company

    etype = ENTITY_TYPES.get(model)
    if etype is None and model is not Company and hasattr(model, "company_id"):
        # Straight off the terms index (no join back to companies): the planner can
        # hash the matching ids once instead of probing per row.
        words = query_words(q)
        if not words:
            return sa.false()
        return sa.and_(*(model.company_id.in_(matching_ids("company", prefixes)) for prefixes in words))
    if etype is None:
        return _like_clause(model, q)
    words = query_words(q)
    if not words:
        return sa.false()
    return sa.and_(*(model.id.in_(matching_ids(etype, prefixes)) for prefixes in words))


def _like_clause(model, q: str) -> sa.ColumnElement[bool]:
    pattern = like_pattern(q)
    columns = [getattr(model, name) for name in ("name_en", "name_zh", "email", "wechat_id") if hasattr(model, name)]
    if not columns:
        return sa.false()
    return sa.or_(*(col.ilike(pattern, escape="\\") for col in columns))
