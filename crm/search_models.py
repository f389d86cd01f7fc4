"""The search index: normalised terms of each searchable record (see search_index.py).

One row per (record, term). A query word matches a record when some term of
the record starts with it; the prefix test is a range on the B-tree index
``(entity_type, term, entity_id)``:

    term >= 'leiting' AND term < 'leitinh'

so a search reads a narrow slice of the index, never the whole table. The
range needs code-point order: SQLite's default BINARY collation gives it, and
on PostgreSQL the column is declared ``COLLATE "C"`` (a linguistic collation
such as en_US.UTF-8 orders strings differently and ignores punctuation).
Checked with EXPLAIN (see tests/test_search.py::test_query_uses_the_index):

* SQLite: ``SEARCH search_terms USING COVERING INDEX ix_search_terms_type_term
  (entity_type=? AND term>? AND term<?)``
* PostgreSQL: ``Index Only Scan using ix_search_terms_type_term on search_terms
  Index Cond: ((entity_type = 'company') AND (term >= 'leiting') AND (term < 'leitinh'))``
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

# Code-point order on PostgreSQL (SQLite's BINARY default already is).
TermText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


class SearchTerm(db.Model):
    """A normalised term of a company, contact, title or event (kept in sync by
    the session events in search_index.py; rebuilt by ``crm reindex-search``)."""

    __tablename__ = "search_terms"
    __table_args__ = (
        # Prefix ranges per kind of record, answered from the index alone.
        sa.Index("ix_search_terms_type_term", "entity_type", "term", "entity_id"),
    )

    # "company", "contact", "title" or "event" (no foreign key: one table for all kinds).
    entity_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    term: Mapped[str] = mapped_column(TermText, primary_key=True)

    def __repr__(self) -> str:
        return f"<SearchTerm {self.entity_type}:{self.entity_id} {self.term!r}>"
