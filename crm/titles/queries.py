"""Read helpers for titles (the shared catalogue) and the deals on them the user may see."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..companies.queries import PER_PAGE, RELATED_LIMIT, name_matches, name_order
from ..deals.models import Deal, deal_titles
from ..enums import Genre
from ..extensions import db
from ..permissions import scope
from .models import Title


def title_list(*, q: str = "", genre: Genre | None = None, lang: str = "en", page: int = 1,
               per_page: int = PER_PAGE):
    stmt = (
        sa.select(Title)
        .options(joinedload(Title.rights_holder))
        .where(Title.archived_at.is_(None))
        .order_by(*name_order(Title, lang))
    )
    if q:
        stmt = stmt.where(name_matches(Title, q))
    if genre is not None:
        stmt = stmt.where(Title.genre == genre)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


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
