"""Read helpers for deals, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import User
from ..companies.models import Company
from ..db_types import Money
from ..enums import DealType
from ..extensions import db
from ..listing import paginate
from ..permissions import scope
from ..rates.services import RateTable, Total, convert_totals
from ..titles.models import Title
from .models import Deal, PipelineStage, StageChange, deal_titles
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


# -- the pipeline board ----------------------------------------------------------

BOARD_PAGE = 20


@dataclass
class BoardFilters:
    """What the board shows, as kept in its URL. ``owner_id`` is honoured for managers only."""

    owner_id: int | None = None
    country: str | None = None
    title: str | None = None
    close_from: dt.date | None = None
    close_to: dt.date | None = None

    def args(self) -> dict[str, str]:
        """The filters as URL query arguments (only those set)."""
        values = {
            "owner": self.owner_id, "country": self.country, "title": self.title,
            "close_from": self.close_from.isoformat() if self.close_from else None,
            "close_to": self.close_to.isoformat() if self.close_to else None,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.args())


@dataclass
class BoardColumn:
    stage: PipelineStage
    count: int
    total: Total
    deals: list[Card] = field(default_factory=list)
    next_cursor: str | None = None  # "after" argument of the next page, when there is one


def _board_where(stmt: sa.Select, user, deal_type: DealType, filters: BoardFilters) -> sa.Select:
    stmt = stmt.where(Deal.deal_type == deal_type, Deal.archived_at.is_(None))
    if filters.owner_id and user.is_manager:
        stmt = stmt.where(Deal.owner_id == filters.owner_id)
    if filters.country:
        stmt = stmt.where(
            Deal.company_id.in_(sa.select(Company.id).where(Company.country == filters.country.upper()))
        )
    if filters.title:
        pattern = f"%{filters.title.strip()}%"
        stmt = stmt.where(
            sa.exists()
            .where(deal_titles.c.deal_id == Deal.id, deal_titles.c.title_id == Title.id)
            .where(sa.or_(Title.name_en.ilike(pattern), Title.name_zh.ilike(pattern)))
        )
    if filters.close_from:
        stmt = stmt.where(Deal.expected_close_date >= filters.close_from)
    if filters.close_to:
        stmt = stmt.where(Deal.expected_close_date <= filters.close_to)
    return scope(stmt, Deal, user)


def column_totals(user, deal_type: DealType, filters: BoardFilters, to_ccy: str,
                  table: RateTable) -> dict[int, tuple[int, Total]]:
    """{stage id: (deal count, total in ``to_ccy``)}: one query grouped by stage and currency,
    then each stage's per-currency sums converted at ``table`` (missing rates are named, not added)."""
    stmt = _board_where(
        sa.select(Deal.stage_id, Deal.currency, sa.func.count(), sa.type_coerce(sa.func.sum(Deal.amount), Money()))
        .group_by(Deal.stage_id, Deal.currency),
        user, deal_type, filters,
    )
    per_stage: dict[int, tuple[int, dict[str, Decimal]]] = {}
    for stage_id, currency, count, amount in db.session.execute(stmt):
        n, sums = per_stage.setdefault(stage_id, (0, {}))
        sums[currency] = amount or Decimal("0.00")
        per_stage[stage_id] = (n + count, sums)
    return {sid: (n, convert_totals(sums, to_ccy, table)) for sid, (n, sums) in per_stage.items()}


@dataclass(slots=True)
class Named:
    name_en: str | None
    name_zh: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Card:
    """What a board card shows: plain values read in one query (no ORM objects to build)."""

    id: int
    name_en: str | None
    name_zh: str | None
    stage_id: int
    version: int
    amount: Decimal
    currency: str
    stage_entered_at: dt.datetime
    company: Named
    owner: Named

    @classmethod
    def from_row(cls, row) -> Card:
        return cls(
            id=row.id, name_en=row.name_en, name_zh=row.name_zh, stage_id=row.stage_id, version=row.version,
            amount=row.amount, currency=row.currency, stage_entered_at=row.stage_entered_at,
            company=Named(row.company_name_en, row.company_name_zh), owner=Named(None, None, row.owner_name),
        )


def encode_cursor(deal) -> str:
    return f"{deal.stage_entered_at.isoformat()}_{deal.id}"


def decode_cursor(value: str | None) -> tuple[dt.datetime, int] | None:
    """The (stage_entered_at, id) of a cursor; None when absent or malformed."""
    if not value or "_" not in value:
        return None
    stamp, _sep, ident = value.rpartition("_")
    try:
        at = dt.datetime.fromisoformat(stamp)
        deal_id = int(ident)
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at, deal_id


def column_cards(user, deal_type: DealType, stage_ids: list[int], filters: BoardFilters, *,
                 per_column: int = BOARD_PAGE, after: tuple[dt.datetime, int] | None = None,
                 ) -> dict[int, tuple[list[Card], str | None]]:
    """{stage id: (up to ``per_column`` deals, cursor of the next page or None)}, newest in the stage first.

    One query whatever the data size: a UNION ALL of one index-ordered, limited
    SELECT per stage (a window function over the whole pipeline would sort every
    deal of the type) picks the ids; the cards' values, company and owner names
    are read with them as plain rows.
    """
    if not stage_ids:
        return {}
    order = (Deal.stage_entered_at.desc(), Deal.id.desc())
    parts = []
    for stage_id in stage_ids:
        part = _board_where(sa.select(Deal.id).where(Deal.stage_id == stage_id), user, deal_type, filters)
        if after is not None:
            at, last_id = after
            part = part.where(sa.or_(
                Deal.stage_entered_at < at, sa.and_(Deal.stage_entered_at == at, Deal.id < last_id)
            ))
        parts.append(sa.select(part.order_by(*order).limit(per_column + 1).subquery().c.id))
    ids = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    rows = db.session.execute(
        sa.select(
            Deal.id, Deal.name_en, Deal.name_zh, Deal.stage_id, Deal.version, Deal.amount, Deal.currency,
            Deal.stage_entered_at, Company.name_en.label("company_name_en"),
            Company.name_zh.label("company_name_zh"), User.name.label("owner_name"),
        )
        .join(Company, Company.id == Deal.company_id)
        .join(User, User.id == Deal.owner_id)
        .where(Deal.id.in_(ids))
    )
    deals = [Card.from_row(row) for row in rows]
    grouped: dict[int, list[Card]] = {sid: [] for sid in stage_ids}
    for deal in sorted(deals, key=lambda d: (d.stage_entered_at, d.id), reverse=True):
        grouped.setdefault(deal.stage_id, []).append(deal)
    result = {}
    for sid, cards in grouped.items():
        more = len(cards) > per_column
        cards = cards[:per_column]
        result[sid] = (cards, encode_cursor(cards[-1]) if more and cards else None)
    return result


def pipeline_columns(user, deal_type: DealType, filters: BoardFilters | None = None, *, to_ccy: str,
                     table: RateTable, per_column: int = BOARD_PAGE) -> list[BoardColumn]:
    """The board: each active stage of ``deal_type`` with its count, converted total and first
    page of cards. Three queries (stages, grouped totals, cards) whatever the number of deals."""
    filters = filters or BoardFilters()
    stages = stages_for_type(deal_type)
    totals = column_totals(user, deal_type, filters, to_ccy, table)
    cards = column_cards(user, deal_type, [s.id for s in stages], filters, per_column=per_column)
    empty = convert_totals({}, to_ccy, table)
    columns = []
    for stage in stages:
        count, total = totals.get(stage.id, (0, empty))
        deals, cursor = cards.get(stage.id, ([], None))
        columns.append(BoardColumn(stage=stage, count=count, total=total, deals=deals, next_cursor=cursor))
    return columns


def board_stage(deal_type: DealType, stage_id: int) -> PipelineStage | None:
    """An active stage of ``deal_type`` by id (None for another pipeline's stage)."""
    return db.session.scalar(
        sa.select(PipelineStage).where(
            PipelineStage.id == stage_id, PipelineStage.deal_type == deal_type, PipelineStage.active
        )
    )
