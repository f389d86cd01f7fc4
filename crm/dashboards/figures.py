"""The dashboard's figures: grouped sums computed in SQL, converted at one rate table.

Each query function issues one query (GROUP BY and joins; no deal row is
loaded, except the ten oldest stuck deals listed by name), scoped to what the
user may see (``scope``: reps their own records, managers and admins
everyone's) and to the dashboard's filters. Sums come back per currency and are
converted with ``convert_totals`` at the rate table the page states, so a total
is never a raw sum of currencies; currencies without a rate are left out and
named (``Total.missing``). ``build_dashboard`` runs them all: a fixed number of
queries whatever the data size.

Weighted value = amount × stage win probability / 100, kept exact (summed in
SQL, or a per-stage sum times that stage's probability) and rounded to cents
once per figure (see ``crm.deals.forecast``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from ..auth.models import User
from ..db_types import ExactDecimal, Money, UTCDateTime
from ..deals.forecast import (
    NO_DATE_BUCKET,
    OVERDUE_BUCKET,
    Forecast,
    bucket_ranges,
    convert_counted,
    forecast_from_sums,
    weighted_exact,
)
from ..deals.models import Deal, PipelineStage
from ..enums import DealType, MeetingStatus
from ..events.models import Event
from ..extensions import db
from ..i18n import day_range_utc, user_zone
from ..leads.models import Lead
from ..meetings.models import Meeting
from ..permissions import owner_restriction, scope
from ..rates.services import RateTable, Total, convert_totals
from .filters import Filters

FORECAST_MONTHS = 12
MAX_EVENTS = 12  # events compared in the funnel table
STUCK_LIST = 10  # oldest stuck deals listed by name

PerCurrency = dict[str, Sequence]  # currency -> (count, amount, weighted)


@dataclass
class Row:
    """One line of a dashboard table: a count and converted totals."""

    key: str
    label: str
    count: int
    value: Total
    weighted: Total | None = None
    share: float = 0.0  # value / the table's largest value, for the bar charts
    weighted_share: float = 0.0


@dataclass
class StageInfo:
    id: int
    deal_type: DealType
    key: str
    name_en: str
    name_zh: str
    position: int
    probability: int
    is_won: bool
    is_lost: bool

    def display_name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass
class Funnel:
    """One event's results: meetings held → leads → deals → won, with value."""

    event_id: int
    label: str
    start_date: dt.date
    meetings_held: int = 0
    leads: int = 0
    deals: int = 0
    won: int = 0
    deal_value: Total | None = None
    won_value: Total | None = None

    def rate(self, part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def steps(self) -> list[tuple[str, int]]:
        return [("meetings", self.meetings_held), ("leads", self.leads), ("deals", self.deals), ("won", self.won)]


@dataclass
class StuckDeal:
    id: int
    name_en: str | None
    name_zh: str | None
    stage_id: int
    owner_id: int
    amount: Decimal
    currency: str
    stage_entered_at: dt.datetime
    days: int


@dataclass
class Dashboard:
    filters: Filters
    table: RateTable
    stages: dict[int, StageInfo]
    users: dict[int, str]
    events: list[tuple[int, str | None, str | None, dt.date, dt.date]]
    by_stage: list[Row] = field(default_factory=list)
    by_type: list[Row] = field(default_factory=list)
    by_owner: list[Row] = field(default_factory=list)
    by_country: list[Row] = field(default_factory=list)
    open_total: Row | None = None
    forecast: Forecast | None = None
    won: Row | None = None
    lost: Row | None = None
    lost_reasons: list[Row] = field(default_factory=list)
    stuck: list[Row] = field(default_factory=list)
    stuck_total: Row | None = None
    stuck_deals: list[StuckDeal] = field(default_factory=list)
    funnels: list[Funnel] = field(default_factory=list)
    funnels_note: str | None = None  # "period" (events of the period), "recent" (none in it), "event" (one chosen)

    @property
    def forecast_shares(self) -> list[tuple[float, float]]:
        """(total, weighted) of each month bucket (this month to "later": not overdue, not undated)
        relative to the largest total, for the columns chart."""
        rows = self.forecast.rows[1:-1] if self.forecast else []
        top = max((r.total.amount for r in rows), default=Decimal(0))
        if top <= 0:
            return [(0.0, 0.0) for _r in rows]
        return [(float(r.total.amount / top), float(r.weighted.amount / top)) for r in rows]

    @property
    def missing(self) -> list[str]:
        """Currencies without a rate on the stated date, anywhere on the page."""
        totals = [r.value for r in self._rows()] + [r.weighted for r in self._rows() if r.weighted]
        totals += [f.deal_value for f in self.funnels if f.deal_value] + [f.won_value for f in self.funnels
                                                                         if f.won_value]
        if self.forecast:
            totals += [self.forecast.total.total]
        return sorted({c for t in totals for c in t.missing})

    @property
    def rate_date(self) -> dt.date | None:
        dates = [r.value.rate_date for r in self._rows()] + [f.won_value.rate_date for f in self.funnels
                                                            if f.won_value]
        dates += [f.deal_value.rate_date for f in self.funnels if f.deal_value]
        if self.forecast:
            dates.append(self.forecast.rate_date)
        dates = [d for d in dates if d is not None]
        return min(dates) if dates else None

    def _rows(self) -> list[Row]:
        rows = [*self.by_stage, *self.by_type, *self.by_owner, *self.by_country, *self.lost_reasons, *self.stuck]
        return rows + [r for r in (self.open_total, self.won, self.lost, self.stuck_total) if r]


# ---------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------


def deal_conditions(f: Filters) -> list[sa.ColumnElement[bool]]:
    """The filters as conditions on ``Deal`` (not archived, owner, type, event)."""
    conditions = [Deal.archived_at.is_(None)]
    if f.owner_id:
        conditions.append(Deal.owner_id == f.owner_id)
    if f.deal_type:
        conditions.append(Deal.deal_type == f.deal_type)
    if f.event_id:
        conditions.append(Deal.event_id == f.event_id)
    return conditions


def _sums() -> list:
    return [sa.func.count(), sa.type_coerce(sa.func.sum(Deal.amount), Money())]


def _row(key: str, label: str, per_currency: PerCurrency, f: Filters, table: RateTable,
         weighted: bool = True) -> Row:
    count, total, weighted_total = convert_counted(per_currency, f.currency, table)
    return Row(key=key, label=label, count=count, value=total, weighted=weighted_total if weighted else None)


def _add(target: PerCurrency, currency: str, count: int, amount: Decimal, weighted: Decimal) -> None:
    sums = target.get(currency)
    if sums is None:
        target[currency] = [count, amount, weighted]  # a list: added to in place (this runs once per group)
    else:
        sums[0] += count
        sums[1] += amount
        sums[2] += weighted


def with_shares(rows: list[Row]) -> list[Row]:
    """Set each row's bar length relative to the largest value (and weighted value) of its table."""
    top = max((r.value.amount for r in rows), default=Decimal(0))
    for r in rows:
        r.share = float(r.value.amount / top) if top > 0 else 0.0
        if r.weighted is not None:
            r.weighted_share = float(r.weighted.amount / top) if top > 0 else 0.0
    return rows


# ---------------------------------------------------------------------------
# Queries (one each)
# ---------------------------------------------------------------------------


def _run(stmt, params=None) -> sa.CursorResult:
    """Execute a Core statement on the session's connection (its transaction), without the ORM's
    per-statement work: these queries load no entity."""
    return db.session.connection().execute(stmt, params)


# The page's fixed statements are built once (values are bound parameters): building a statement
# and computing its cache key costs more Python than running these small queries.
@functools.cache
def _stages_statement() -> sa.Select:
    return sa.select(
        PipelineStage.id, PipelineStage.deal_type, PipelineStage.key, PipelineStage.name_en, PipelineStage.name_zh,
        PipelineStage.position, PipelineStage.probability, PipelineStage.is_won, PipelineStage.is_lost,
    ).order_by(PipelineStage.deal_type, PipelineStage.position)


@functools.cache
def _users_statement(one: bool) -> sa.Select:
    stmt = sa.select(User.id, User.name).order_by(User.name)
    return stmt.where(User.id == sa.bindparam("user_id")) if one else stmt


@functools.cache
def _events_statement() -> sa.Select:
    return (sa.select(Event.id, Event.name_en, Event.name_zh, Event.start_date, Event.end_date)
            .where(Event.archived_at.is_(None)).order_by(Event.start_date.desc(), Event.id.desc()))


def load_stages() -> dict[int, StageInfo]:
    return {r.id: StageInfo(*r) for r in _run(_stages_statement())}


def load_users(user) -> dict[int, str]:
    """Names of the owners ``user``'s figures can show (the owner filter and the by-owner table): every
    user for managers and admins, only themselves for a rep (``permissions.owner_restriction``)."""
    own = owner_restriction(user)
    return dict(_run(_users_statement(own is not None), {"user_id": own} if own is not None else None).all())


def load_events() -> list[tuple[int, str | None, str | None, dt.date, dt.date]]:
    """Every event, latest first (the event filter and the funnel's labels)."""
    return [tuple(r) for r in _run(_events_statement())]


OpenStages = tuple[tuple[int, DealType, int], ...]  # (stage id, deal type, probability) of open stages


def _open_stages(stages: dict[int, StageInfo], deal_type: DealType | None = None) -> OpenStages:
    """The open stages (of ``deal_type`` if given), as a key for the cached statements below."""
    return tuple((s.id, s.deal_type, s.probability) for s in stages.values()
                 if not (s.is_won or s.is_lost) and (deal_type is None or s.deal_type == deal_type))


def _bound_conditions(by_owner: bool, by_event: bool) -> list[sa.ColumnElement[bool]]:
    """``deal_conditions`` with the owner and the event as bound parameters, for statements that are
    built once and cached (the values come with each execution: ``_bound_values``). The deal type is
    not among them: those statements take only the chosen type's stages (``_open_stages``), since a
    stage belongs to one deal type and the indexes they read have no deal type."""
    conditions = [Deal.archived_at.is_(None)]
    if by_owner:
        conditions.append(Deal.owner_id == sa.bindparam("owner_id"))
    if by_event:
        conditions.append(Deal.event_id == sa.bindparam("event_id"))
    return conditions


def _bound_values(user, f: Filters) -> dict:
    """The owner (a rep's own: ``scope``'s rule, given as a value; or the owner filter) and the event."""
    values = {}
    owner_id = owner_restriction(user) or f.owner_id
    if owner_id:
        values["owner_id"] = owner_id
    if f.event_id:
        values["event_id"] = f.event_id
    return values


def _ints(values) -> list[sa.ColumnElement]:
    """Whole numbers written into the SQL (stage ids, probabilities) rather than bound: the statements
    that hold them are cached per set of stages, and some hold hundreds (an IN list in each of 15
    parts), each a parameter to process and send at every execution. int() keeps them numbers."""
    return [sa.literal_column(str(int(v)), sa.Integer) for v in values]


def _stage_in(stage_ids) -> sa.ColumnElement[bool]:
    return Deal.stage_id.in_(_ints(stage_ids))


def _weight(open_stages: OpenStages, column):
    """SQL CASE giving each open stage its win probability: the weighted value needs no join with the
    stages, which would let SQLite's planner read the deals by stage through an index that does not
    cover them."""
    if not open_stages:
        return sa.literal(0)
    ids, probabilities = _ints(s for s, _t, _p in open_stages), _ints(p for _s, _t, p in open_stages)
    return sa.case(dict(zip(ids, probabilities, strict=True)), value=column, else_=_ints([0])[0])


STAGE, OWNER, COUNTRY, BUCKET = 0, 1, 2, 3


@functools.lru_cache(maxsize=64)
def _open_statement(open_stages: OpenStages, by_owner: bool, by_event: bool, months: int,
                    grouping_sets: bool) -> sa.Select:
    """The statement of ``open_pipeline``, built once per set of stages and filters (the values are
    bound parameters: cutoff, owner_id, event_id, each forecast bucket's dates).

    ``grouping_sets`` (PostgreSQL): the sums by (stage, currency, owner) and by (stage, country,
    currency) come from one read of ``ix_deals_open_country`` hashed into both at once; SQLite, which
    has no GROUPING SETS and groups by sorting, reads two indexes each in its GROUP BY order instead."""
    where = [*_bound_conditions(by_owner, by_event), _stage_in(sid for sid, _t, _p in open_stages)]
    stuck = Deal.stage_entered_at < sa.bindparam("cutoff")
    sums = (sa.func.count().label("n"), sa.func.sum(Deal.amount).label("amount"),
            sa.func.count().filter(stuck).label("stuck_n"),
            sa.func.sum(Deal.amount).filter(stuck).label("stuck_amount"))
    if grouping_sets:
        g = (
            sa.select(Deal.stage_id.label("stage_id"), Deal.currency.label("currency"), Deal.owner_id.label("owner_id"),
                      Deal.counterpart_country.label("country"), *sums,
                      sa.func.grouping(Deal.owner_id).label("by_country"))
            .where(*where)
            .group_by(sa.func.grouping_sets(sa.tuple_(Deal.stage_id, Deal.currency, Deal.owner_id),
                                            sa.tuple_(Deal.stage_id, Deal.counterpart_country, Deal.currency)))
        ).cte("open_groups")
    else:
        g = (
            sa.select(Deal.stage_id.label("stage_id"), Deal.currency.label("currency"),
                      Deal.owner_id.label("owner_id"), *sums)
            # The deal types too: on PostgreSQL, conditions on the index's first two columns make
            # reading the index alone cheaper than reading the table (its default cost settings).
            .where(*where, Deal.deal_type.in_(sorted({t for _id, t, _p in open_stages})))
            .group_by(Deal.deal_type, Deal.stage_id, Deal.currency, Deal.owner_id)
        ).cte("open_groups")

    grouped = (Deal.stage_id.label("stage_id"), Deal.currency.label("currency"), sa.func.count().label("n"),
               sa.func.sum(Deal.amount).label("amount"))
    no_country, no_bucket = sa.cast(sa.null(), sa.String(2)), sa.cast(sa.null(), sa.Integer)

    def part(kind: int, bucket, country, *conditions, group_by):
        return sa.select(sa.literal(kind, sa.Integer).label("kind"), bucket.label("bucket"),
                         country.label("country"), *grouped).where(*where, *conditions).group_by(*group_by)

    date = Deal.expected_close_date
    parts = [] if grouping_sets else [part(COUNTRY, no_bucket, Deal.counterpart_country,
                                           group_by=(Deal.stage_id, Deal.counterpart_country, Deal.currency))]
    parts.append(part(BUCKET, sa.literal(NO_DATE_BUCKET, sa.Integer), no_country, date.is_(None),
                      group_by=(Deal.currency, Deal.stage_id)))
    # Every bucket but "overdue" (``open_pipeline`` derives it); which bounds each has is fixed.
    for i, (bucket, start, before) in enumerate(bucket_ranges(dt.date.today(), months)):
        if start is None:
            continue
        # "Later" is bounded too (by the last day there is): with only a lower bound, SQLite's planner
        # judged the range wide and read every open deal through another index and the table.
        dates = [date >= sa.bindparam(f"from_{i}"),
                 date < sa.bindparam(f"before_{i}") if before else date <= sa.bindparam("last_day")]
        parts.append(part(BUCKET, sa.literal(bucket, sa.Integer), no_country, *dates,
                          group_by=(Deal.currency, Deal.stage_id)))
    places = sa.union_all(*parts).cte("open_places")

    p, pp = _weight(open_stages, g.c.stage_id), _weight(open_stages, places.c.stage_id)
    money, exact = Money(), ExactDecimal(15, 2)

    # With grouping sets, the rows of the (stage, country, currency) set are those with by_country = 1.
    of_set = (lambda country: [g.c.by_country == int(country)]) if grouping_sets else (lambda country: [])

    def by(kind: int, key):
        return sa.select(
            sa.literal(kind, sa.Integer), key, no_country, g.c.currency, sa.func.sum(g.c.n),
            sa.type_coerce(sa.func.sum(g.c.amount), money), sa.type_coerce(sa.func.sum(g.c.amount * p), exact),
            sa.func.sum(g.c.stuck_n), sa.type_coerce(sa.func.sum(g.c.stuck_amount), money),
            sa.type_coerce(sa.func.sum(g.c.stuck_amount * p), exact),
        ).where(*of_set(False)).group_by(key, g.c.currency)

    nothing = sa.cast(sa.null(), sa.Integer)
    statements = [by(STAGE, g.c.stage_id), by(OWNER, g.c.owner_id)]
    if grouping_sets:
        statements.append(sa.select(
            sa.literal(COUNTRY, sa.Integer), no_bucket, g.c.country, g.c.currency, sa.func.sum(g.c.n),
            sa.type_coerce(sa.func.sum(g.c.amount), money), sa.type_coerce(sa.func.sum(g.c.amount * p), exact),
            nothing, sa.type_coerce(nothing, money), sa.type_coerce(nothing, exact),
        ).where(*of_set(True)).group_by(g.c.country, g.c.currency))
    by_place = sa.select(
        places.c.kind, places.c.bucket, places.c.country, places.c.currency, sa.func.sum(places.c.n),
        sa.type_coerce(sa.func.sum(places.c.amount), money),
        sa.type_coerce(sa.func.sum(places.c.amount * pp), exact), nothing, sa.type_coerce(nothing, money),
        sa.type_coerce(nothing, exact),
    ).group_by(places.c.kind, places.c.bucket, places.c.country, places.c.currency)
    return sa.union_all(*statements, by_place)


def _bucket_values(today: dt.date, months: int) -> dict[str, dt.date]:
    values = {"last_day": dt.date.max}
    for i, (_bucket, start, before) in enumerate(bucket_ranges(today, months)):
        if start:
            values[f"from_{i}"] = start
            if before:
                values[f"before_{i}"] = before
    return values


@dataclass
class OpenPipeline:
    """``open_pipeline``'s sums, each {key: {currency: (count, amount, weighted)}} but ``by_stage``."""

    by_stage: dict[tuple[int, str], tuple]  # (stage id, currency) -> (count, amount, weighted, stuck ×3)
    by_owner: dict[int, PerCurrency]
    by_country: dict[str | None, PerCurrency]
    by_bucket: dict[int, PerCurrency]


def open_pipeline(user, f: Filters, now: dt.datetime, stages: dict[int, StageInfo]) -> OpenPipeline:
    """The open deals' sums, in one statement (one snapshot, on PostgreSQL too): by (stage, currency)
    with the stuck ones (in their stage since before the cutoff), by (owner, currency), by (counterpart
    country, currency) and by (forecast bucket, currency).

    * Stage and owner: the deals are read once, grouped by (deal type, stage, currency, owner): the
      order of ``ix_deals_open_totals``, which covers them, so SQLite neither sorts them nor reads the
      table; those few thousand groups are added up by stage and by owner in the same statement.
    * Country: by (stage, country, currency) off ``ix_deals_open_country`` in its order (the country
      is the deal's copy, ``crm.deals.counterpart``), so no join and no sort. On PostgreSQL, which
      hashes rather than sorts, this read gives the stage and owner sums too (``GROUPING SETS``).
    * Forecast (``bucket_ranges``): each bucket from today on is one range of ``ix_deals_open_close``;
      "overdue", usually most open deals, is what the stage sums hold beyond the other buckets, so
      those deals are not read a third time.

    Weighted = amount × the stage's probability, summed exactly (amount has 2 decimals and the
    probability is whole), after grouping by stage.
    """
    values = _bound_values(user, f) | _bucket_values(f.today, FORECAST_MONTHS) | {"cutoff": stuck_cutoff(f, now)}
    stmt = _open_statement(_open_stages(stages, f.deal_type), "owner_id" in values, "event_id" in values,
                           FORECAST_MONTHS, db.session.get_bind().dialect.name == "postgresql")
    out = OpenPipeline({}, defaultdict(dict), defaultdict(dict), defaultdict(dict))
    totals: dict[str, list] = {}
    for kind, key, country, ccy, n, amount, w, s_n, s_amount, s_w in _run(stmt, values):
        sums = (int(n), Decimal(amount or 0), weighted_exact(w))
        if kind == STAGE:
            out.by_stage[(key, ccy)] = (*sums, int(s_n or 0), Decimal(s_amount or 0), weighted_exact(s_w))
            _add(totals, ccy, *sums)
        elif kind == OWNER:
            out.by_owner[key][ccy] = sums
        elif kind == COUNTRY:
            out.by_country[country][ccy] = sums
        else:
            out.by_bucket[key][ccy] = sums
    dated: PerCurrency = {}  # every bucket read (no date included)
    for per_ccy in out.by_bucket.values():
        for ccy, sums in per_ccy.items():
            _add(dated, ccy, *sums)
    for ccy, (n, amount, w) in totals.items():
        other_n, other_amount, other_w = dated.get(ccy, (0, Decimal(0), Decimal(0)))
        if n > other_n:
            out.by_bucket[OVERDUE_BUCKET][ccy] = (n - other_n, amount - other_amount, w - other_w)
    return out




WON, LOST_REASON = 0, 1


Sums = dict[str, tuple[int, Decimal]]  # currency -> (count, amount)


@functools.lru_cache(maxsize=64)
def _closed_statement(closed: tuple[tuple[int, bool], ...], by_owner: bool, by_event: bool, since: bool,
                      until: bool) -> sa.Select:
    """The statement of ``closed_in_period`` for these closed stages ((id, lost?)) and filters, built
    once (values are bound parameters: owner_id, event_id, since, until)."""
    date = Deal.closed_at
    where = [*_bound_conditions(by_owner, by_event), date.is_not(None)]
    where += [date >= sa.bindparam("since")] if since else []
    where += [date < sa.bindparam("until")] if until else []
    won = sa.select(
        sa.literal(WON, sa.Integer), sa.cast(sa.null(), sa.Text), Deal.currency, *_sums()
    ).where(*where, _stage_in(i for i, lost in closed if not lost)).group_by(Deal.currency)
    lost = sa.select(
        sa.literal(LOST_REASON, sa.Integer), Deal.lost_reason, Deal.currency, *_sums()
    ).where(*where, _stage_in(i for i, lost in closed if lost)).group_by(Deal.lost_reason, Deal.currency)
    return sa.union_all(won, lost)


def closed_in_period(user, f: Filters, stages: dict[int, StageInfo], tz: dt.tzinfo = dt.UTC
                     ) -> tuple[dict[bool, Sums], dict[str | None, Sums]]:
    """The deals won or lost in the period (whose days are those of the time zone ``tz``):
    ``({won?: {currency: (count, amount)}}, {loss reason: {currency: (count, amount)}})``. One statement.

    The won deals' sums come off ``ix_deals_closed`` alone; the lost deals are read from the table,
    for their reasons (free text, so not in an index), and the lost totals are those reasons' sums.
    """
    closed = tuple((s.id, s.is_lost) for s in stages.values()
                   if (s.is_won or s.is_lost) and (not f.deal_type or s.deal_type == f.deal_type))
    values = _bound_values(user, f)
    since, until = day_range_utc(f.start, f.end, tz)
    if since:
        values["since"] = since
    if until:
        values["until"] = until
    stmt = _closed_statement(closed, "owner_id" in values, "event_id" in values, bool(since), bool(until))
    totals: dict[bool, Sums] = defaultdict(dict)
    reasons: dict[str | None, Sums] = defaultdict(dict)
    for kind, reason, currency, count, amount in _run(stmt, values):
        amount = Decimal(amount or 0)
        keys = [(totals, True)] if kind == WON else [(totals, False), (reasons, (reason or "").strip() or None)]
        for target, key in keys:
            c, a = target[key].get(currency, (0, Decimal(0)))
            target[key][currency] = (c + count, a + amount)
    return totals, reasons


def stuck_cutoff(f: Filters, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=f.stuck_days)


@functools.lru_cache(maxsize=64)
def _oldest_stuck_statement(open_stages: OpenStages, by_owner: bool, by_event: bool, limit: int) -> sa.Select:
    """The statement of ``oldest_stuck`` for these open stages, built once (values are bound parameters):
    the oldest ``limit`` of each stage (a short range of the board's (deal type, stage, stage entered)
    index each), then the oldest ``limit`` of those, so the database never sorts every open deal."""
    cols = (Deal.id, Deal.name_en, Deal.name_zh, Deal.stage_id, Deal.owner_id, Deal.amount, Deal.currency,
            Deal.stage_entered_at)
    parts = []
    for stage_id, deal_type, _probability in open_stages:
        part = sa.select(*cols).where(
            Deal.deal_type == deal_type, Deal.stage_id == _ints([stage_id])[0],
            Deal.stage_entered_at < sa.bindparam("cutoff"), *_bound_conditions(by_owner, by_event),
        )
        parts.append(sa.select(part.order_by(Deal.stage_entered_at, Deal.id).limit(limit).subquery()))
    union = sa.union_all(*parts).subquery()
    return sa.select(union).order_by(union.c.stage_entered_at, union.c.id).limit(limit)


def oldest_stuck(user, f: Filters, now: dt.datetime, stages: dict[int, StageInfo],
                 limit: int = STUCK_LIST) -> list[StuckDeal]:
    """The ``limit`` open deals longest in their stage (beyond N days), oldest first, that ``user`` may see."""
    open_stages = _open_stages(stages, f.deal_type)
    if not open_stages:
        return []
    values = _bound_values(user, f) | {"cutoff": stuck_cutoff(f, now)}
    stmt = _oldest_stuck_statement(open_stages, "owner_id" in values, "event_id" in values, limit)
    rows = _run(stmt, values).all()
    utc = UTCDateTime()
    out = []
    for r in rows:
        entered = r.stage_entered_at
        if not isinstance(entered, dt.datetime) or entered.tzinfo is None:  # through a UNION the type is lost
            entered = utc.process_result_value(entered, db.engine.dialect)
        out.append(StuckDeal(*r[:7], stage_entered_at=entered, days=(now - entered).days))
    return out


def chosen_events(f: Filters, events) -> tuple[list, str]:
    """The events whose funnel is shown (from the already loaded event list) and why."""
    if f.event_id:
        return [e for e in events if e[0] == f.event_id], "event"
    # Events that have not started have no results yet.
    started = [e for e in events if e[3] <= f.today]
    in_period = [e for e in started if (f.end is None or e[3] <= f.end) and (f.start is None or e[4] >= f.start)]
    if in_period:
        return in_period[:MAX_EVENTS], "period"
    before = [e for e in started if f.end is None or e[3] <= f.end]
    return before[:MAX_EVENTS], "recent"


MEETINGS_HELD, LEADS, DEALS = 0, 1, 2


def funnel_counts(user, f: Filters, event_ids: list[int]):
    """Per event: meetings held, leads, and deals / won deals with per-currency values. One statement."""
    if not event_ids:
        return {}, {}, {}
    no_won, no_currency, no_amount = (sa.cast(sa.null(), sa.Boolean), sa.cast(sa.null(), sa.String(3)),
                                      sa.cast(sa.null(), Money()))
    meetings = (
        sa.select(sa.literal(MEETINGS_HELD, sa.Integer), Meeting.event_id, no_won, no_currency, sa.func.count(),
                  no_amount)
        .where(Meeting.event_id.in_(event_ids), Meeting.status == MeetingStatus.HELD, Meeting.archived_at.is_(None))
        .group_by(Meeting.event_id)
    )
    leads = sa.select(sa.literal(LEADS, sa.Integer), Lead.event_id, no_won, no_currency, sa.func.count(), no_amount
                      ).where(Lead.event_id.in_(event_ids), Lead.archived_at.is_(None))
    if f.deal_type:
        leads = leads.where(Lead.deal_type == f.deal_type)
    leads = leads.group_by(Lead.event_id)
    if f.owner_id:
        meetings = meetings.where(Meeting.owner_id == f.owner_id)
        leads = leads.where(Lead.owner_id == f.owner_id)
    deals = (
        sa.select(sa.literal(DEALS, sa.Integer), Deal.event_id, PipelineStage.is_won, Deal.currency, *_sums())
        .join(PipelineStage, PipelineStage.id == Deal.stage_id)
        .where(*deal_conditions(f), Deal.event_id.in_(event_ids))
        .group_by(Deal.event_id, PipelineStage.is_won, Deal.currency)
    )
    held: dict[int, int] = {}
    lead_counts: dict[int, int] = {}
    deal_sums: dict[int, dict[bool, dict[str, tuple[int, Decimal]]]] = defaultdict(lambda: defaultdict(dict))
    stmt = sa.union_all(scope(meetings, Meeting, user), scope(leads, Lead, user), scope(deals, Deal, user))
    for kind, event_id, won, currency, count, amount in _run(stmt):
        if kind == MEETINGS_HELD:
            held[event_id] = count
        elif kind == LEADS:
            lead_counts[event_id] = count
        else:
            deal_sums[event_id][bool(won)][currency] = (count, Decimal(amount or 0))
    return held, lead_counts, deal_sums


# ---------------------------------------------------------------------------
# The whole page
# ---------------------------------------------------------------------------


def build_dashboard(user, f: Filters, table: RateTable, *, lang: str = "en", now: dt.datetime | None = None,
                    country_name=lambda code: code or "—", type_label=lambda t: t.label) -> Dashboard:
    """Every figure of the dashboard for ``user`` (a fixed number of queries whatever the data size).

    The period's days are the user's (their time zone, as everywhere they read dates, e.g. the audit
    log): a deal won at 23:30 on 31 December in Shanghai counts in that year, not the next."""
    now = now or dt.datetime.now(dt.UTC)
    d = Dashboard(filters=f, table=table, stages=load_stages(), users=load_users(user), events=load_events())

    # The open pipeline, in one statement: by stage, type and owner, the stuck deals, by counterpart
    # country and by forecast month. Stages of different deal types that share a key ("offer",
    # "negotiation"...) are one line.
    pipeline = open_pipeline(user, f, now, d.stages)
    per_stage_key: dict[str, PerCurrency] = defaultdict(dict)
    stage_order: dict[str, tuple[int, int, str]] = {}
    per_type: dict[DealType, PerCurrency] = defaultdict(dict)
    overall: PerCurrency = {}
    stuck_keys: dict[str, PerCurrency] = defaultdict(dict)
    stuck_all: PerCurrency = {}
    for (stage_id, ccy), (c, a, w, s_c, s_a, s_w) in pipeline.by_stage.items():
        stage = d.stages[stage_id]
        # A shared key sits where its stages sit: first by the earliest position, then the latest.
        first, last, name = stage_order.get(stage.key, (stage.position, stage.position, stage.display_name(lang)))
        stage_order[stage.key] = (min(first, stage.position), max(last, stage.position), name)
        for target in (per_stage_key[stage.key], per_type[stage.deal_type], overall):
            _add(target, ccy, c, a, w)
        if s_c:
            _add(stuck_keys[stage.key], ccy, s_c, s_a, s_w)
            _add(stuck_all, ccy, s_c, s_a, s_w)
    per_owner = pipeline.by_owner

    def stage_rank(key):
        return stage_order[key][0], stage_order[key][1], key

    stage_keys = sorted(per_stage_key, key=stage_rank)
    d.by_stage = with_shares([_row(k, stage_order[k][2], per_stage_key[k], f, table) for k in stage_keys])
    d.by_type = with_shares([_row(t.value, type_label(t), per_type[t], f, table) for t in DealType if t in per_type])
    owners = sorted(per_owner, key=lambda o: d.users.get(o, ""))
    d.by_owner = with_shares([_row(str(o), d.users.get(o, "?"), per_owner[o], f, table) for o in owners])
    d.open_total = _row("total", "", overall, f, table)
    d.stuck = with_shares([_row(k, stage_order[k][2], stuck_keys[k], f, table)
                           for k in sorted(stuck_keys, key=stage_rank)])
    d.stuck_total = _row("total", "", stuck_all, f, table)
    d.stuck_deals = oldest_stuck(user, f, now, d.stages)

    rows = [_row(code or "", country_name(code), per_ccy, f, table) for code, per_ccy in pipeline.by_country.items()]
    d.by_country = with_shares(sorted(rows, key=lambda r: (-r.value.amount, r.label)))
    d.forecast = forecast_from_sums(pipeline.by_bucket, f.currency, today=f.today, months=FORECAST_MONTHS, table=table)

    # Won and lost in the period, with the reasons for the losses.
    totals, lost_reasons = closed_in_period(user, f, d.stages, user_zone(user))
    won: PerCurrency = {ccy: (c, a, Decimal(0)) for ccy, (c, a) in totals.get(True, {}).items()}
    lost: PerCurrency = {ccy: (c, a, Decimal(0)) for ccy, (c, a) in totals.get(False, {}).items()}
    reasons: dict[str, PerCurrency] = {
        reason or "": {ccy: (c, a, Decimal(0)) for ccy, (c, a) in per_ccy.items()}
        for reason, per_ccy in lost_reasons.items()
    }
    d.won = _row("won", "", won, f, table, weighted=False)
    d.lost = _row("lost", "", lost, f, table, weighted=False)
    reason_rows = [_row(r, r, per_ccy, f, table, weighted=False) for r, per_ccy in reasons.items()]
    d.lost_reasons = with_shares(sorted(reason_rows, key=lambda r: (-r.count, -r.value.amount, r.label)))

    # Each event's funnel.
    events, d.funnels_note = chosen_events(f, d.events)
    held, leads, deal_sums = funnel_counts(user, f, [e[0] for e in events])
    for event_id, name_en, name_zh, start, _end in events:
        sums = deal_sums.get(event_id, {})
        all_deals: dict[str, Decimal] = defaultdict(Decimal)
        count = 0
        for per_ccy in sums.values():
            for ccy, (c, a) in per_ccy.items():
                all_deals[ccy] += a
                count += c
        won_sums = sums.get(True, {})
        d.funnels.append(Funnel(
            event_id=event_id, label=(name_zh or name_en) if lang == "zh" else (name_en or name_zh) or "",
            start_date=start, meetings_held=held.get(event_id, 0), leads=leads.get(event_id, 0), deals=count,
            won=sum(c for c, _a in won_sums.values()),
            deal_value=convert_totals(dict(all_deals), f.currency, table),
            won_value=convert_totals({ccy: a for ccy, (_c, a) in won_sums.items()}, f.currency, table),
        ))
    return d
