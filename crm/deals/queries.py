"""Read helpers for deals, always scoped to what the user may see."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..enums import DealType
from ..extensions import db
from ..listing import paginate
from ..permissions import scope
from .models import Deal, StageChange
from .stages import stages_for_type


def deal_list(user, *, deal_type: DealType | None = None, page: int = 1, per_page: int = 50):
    stmt = (
        sa.select(Deal)
        .options(joinedload(Deal.stage), joinedload(Deal.company), joinedload(Deal.owner))
        .where(Deal.archived_at.is_(None))
        .order_by(Deal.updated_at.desc(), Deal.id.desc())
    )
    if deal_type is not None:
        stmt = stmt.where(Deal.deal_type == deal_type)
    return paginate(scope(stmt, Deal, user), page=page, per_page=per_page)


def deal_detail(user, deal_id: int) -> Deal | None:
    stmt = (
        sa.select(Deal)
        .options(
            joinedload(Deal.stage), joinedload(Deal.company), joinedload(Deal.owner),
            selectinload(Deal.titles), selectinload(Deal.contacts), selectinload(Deal.territories),
            selectinload(Deal.media), selectinload(Deal.payments), joinedload(Deal.licence),
            joinedload(Deal.format_terms), joinedload(Deal.coproduction),
            selectinload(Deal.history).joinedload(StageChange.to_stage),
            selectinload(Deal.history).joinedload(StageChange.from_stage),
            selectinload(Deal.history).joinedload(StageChange.changed_by),
        )
        .where(Deal.id == deal_id)
    )
    return db.session.scalars(scope(stmt, Deal, user)).unique().one_or_none()


def pipeline_columns(user, deal_type: DealType, per_column: int = 30):
    """Stages of ``deal_type`` with up to ``per_column`` open deals each (two queries)."""
    stages = stages_for_type(deal_type)
    ranked = (
        sa.select(
            Deal.id,
            sa.func.row_number()
            .over(partition_by=Deal.stage_id, order_by=(Deal.updated_at.desc(), Deal.id))
            .label("rn"),
        ).where(Deal.deal_type == deal_type, Deal.archived_at.is_(None))
    )
    ranked = scope(ranked, Deal, user).subquery()
    deals = db.session.scalars(
        sa.select(Deal)
        .join(ranked, ranked.c.id == Deal.id)
        .where(ranked.c.rn <= per_column)
        .options(joinedload(Deal.company), joinedload(Deal.owner))
        .order_by(Deal.stage_id, ranked.c.rn)
    ).unique().all()
    by_stage: dict[int, list[Deal]] = {s.id: [] for s in stages}
    for deal in deals:
        by_stage.setdefault(deal.stage_id, []).append(deal)
    return [(stage, by_stage.get(stage.id, [])) for stage in stages]
