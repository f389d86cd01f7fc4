"""Read helpers for titles (the shared catalogue) and the deals on them the user may see."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..companies.models import Company
from ..deals.models import Deal, deal_titles
from ..enums import Genre, TitleStatus
from ..extensions import db
from ..listing import Sorts, paginate
from ..permissions import scope
from ..search import search_clause
from .models import Title

PER_PAGE = 50
RELATED_LIMIT = 50


@dataclass
class TitleFilters:
    q: str = ""
    genre: Genre | None = None
    status: TitleStatus | None = None
    rights_holder_id: int | None = None
    archived: bool = False


def title_sorts(lang: str = "en") -> Sorts:
    def name(model):
        first, second = (model.name_zh, model.name_en) if lang == "zh" else (model.name_en, model.name_zh)
        return sa.func.coalesce(first, second)

    return Sorts(
        {
            "name": lambda: [name(Title)],
            "genre": [Title.genre],
            "status": [Title.status],
            "year": [Title.year],
            "episodes": [Title.episodes],
            "rights_holder": lambda: [name(Company)],
            "created": [Title.created_at],
        },
        default="name",
    )


def title_query(filters: TitleFilters) -> sa.Select:
    """The filtered SELECT the list page paginates and the export writes out; the
    rights holder is outer-joined (for sorting) and loaded with the rows."""
    from sqlalchemy.orm import contains_eager

    stmt = (
        sa.select(Title)
        .outerjoin(Title.rights_holder)
        .options(contains_eager(Title.rights_holder))
        .where(Title.archived_at.is_not(None) if filters.archived else Title.archived_at.is_(None))
    )
    if filters.q:
        stmt = stmt.where(search_clause(Title, filters.q))
    if filters.genre is not None:
        stmt = stmt.where(Title.genre == filters.genre)
    if filters.status is not None:
        stmt = stmt.where(Title.status == filters.status)
    if filters.rights_holder_id is not None:
        stmt = stmt.where(Title.rights_holder_id == filters.rights_holder_id)
    return stmt


def title_list(*, filters: TitleFilters | None = None, q: str = "", genre: Genre | None = None, lang: str = "en",
               sort: str | None = None, page: int = 1, per_page: int = PER_PAGE):
    filters = filters or TitleFilters(q=q, genre=genre)
    stmt, key = title_sorts(lang).apply(title_query(filters), sort, Title.id)
    pagination = paginate(stmt, page=page, per_page=per_page)
    pagination.sort_key = key
    return pagination


def title_rows_for_export(filters: TitleFilters, *, sort: str | None = None, lang: str = "en",
                          limit: int = 100_000):
    stmt, _key = title_sorts(lang).apply(title_query(filters), sort, Title.id)
    return db.session.scalars(stmt.limit(limit)).unique()


def rights_holder_choices(lang: str) -> list[tuple[int, str]]:
    """Companies holding rights in at least one title (for the list filter)."""
    first, second = (Company.name_zh, Company.name_en) if lang == "zh" else (Company.name_en, Company.name_zh)
    stmt = (
        sa.select(Company.id, sa.func.coalesce(first, second))
        .where(Company.id.in_(sa.select(Title.rights_holder_id).where(Title.rights_holder_id.is_not(None))))
        .order_by(sa.func.coalesce(first, second), Company.id)
    )
    return [(i, name or "") for i, name in db.session.execute(stmt)]


def title_detail(title_id: int) -> Title | None:
    # Archived titles stay reachable from old deals; the page says so.
    return db.session.scalar(sa.select(Title).options(joinedload(Title.rights_holder)).where(Title.id == title_id))


def title_deals(user, title_id: int) -> list[Deal]:
    stmt = (
        sa.select(Deal)
        .join(deal_titles, deal_titles.c.deal_id == Deal.id)
        .options(joinedload(Deal.stage), joinedload(Deal.company), joinedload(Deal.owner))
        .where(deal_titles.c.title_id == title_id, Deal.archived_at.is_(None))
        .order_by(Deal.updated_at.desc(), Deal.id.desc())
        .limit(RELATED_LIMIT)
    )
    return db.session.scalars(scope(stmt, Deal, user)).unique().all()
