"""Rights availability against the database: signed grants (hard conflicts) and
other deals in late stages (soft holds); grants created when a deal is won; the
check run before a deal moves to a signed stage.

The grant query narrows in SQL with indexes (title and period on
``rights_grants``; the primary keys of the territory and media tables for the
EXISTS probes) and the exact set logic runs in Python on the few candidates
(see availability.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from ..audit.models import record
from ..deals.models import (
    Deal,
    PipelineStage,
    RightsGrant,
    deal_titles,
    rights_grant_media,
    rights_grant_territories,
)
from ..deals.moves import MoveError, after_move_hooks, before_move_checks
from ..enums import DealType, Medium
from ..extensions import db
from ..territories import codes_covering, parse_territory_text
from ..titles.models import Title
from .availability import HARD, OPEN_END, OPEN_START, SOFT, Conflict, Rights, find_conflicts

#: Deal types whose terms grant rights in titles.
RIGHTS_DEAL_TYPES = (DealType.DISTRIBUTION, DealType.ACQUISITION, DealType.PRESALE, DealType.FORMAT)
#: A deal at or after the term sheet holds the rights it negotiates (a soft hold).
LATE_STAGE_KEYS = frozenset({"term_sheet", "signed", "regulatory", "financing_closed"})
#: Moving into these stages (or a won one) is refused while a hard conflict exists.
SIGNED_STAGE_KEYS = frozenset({"signed", "regulatory"})


class RightsConflictError(MoveError):
    """A move to a signed stage collides with signed grants. ``conflicts`` lists
    them; ``can_override`` tells whether the user may override with a reason."""

    def __init__(self, conflicts: list[Conflict], can_override: bool = False):
        from .messages import describe

        # Only a manager is asked for the override reason (the board's dialog, the card's form).
        self.field = "override_reason" if can_override else None

        sentences = " ".join(describe(c) for c in conflicts[:3])
        if can_override:
            advice = _("To sign anyway, give a reason for the override; it is logged.")
        else:
            advice = _("Only a manager can override this, with a reason.")
        super().__init__(
            _("This deal cannot be signed: the rights are already granted. %(conflicts)s %(advice)s",
              conflicts=sentences, advice=advice)
        )
        self.conflicts = conflicts
        self.can_override = can_override


def _territory_entries(territories) -> list[tuple[str, bool]]:
    if isinstance(territories, str):
        return parse_territory_text(territories)
    return [(t, False) if isinstance(t, str) else (t[0], bool(t[1])) for t in territories]


# -- the grant query ----------------------------------------------------------------------------------------


def _expanding(name: str, values: list, column) -> sa.BindParameter:
    """One IN parameter for a whole list (no per-value coercion when building)."""
    return sa.bindparam(name, value=values, expanding=True, type_=column.type)


def grant_candidates_stmt(title_ids, countries, media, start: dt.date, end: dt.date, exclusive: bool,
                          exclude_deal_id: int | None = None) -> sa.Select:
    """Grants that may conflict: same titles, periods meeting, one included
    territory code covering a requested country, one medium in common (and
    exclusive, when the request is not). Exact logic follows in Python."""
    g = RightsGrant.__table__
    t, m = rights_grant_territories, rights_grant_media
    stmt = sa.select(g.c.id, g.c.title_id, g.c.deal_id, g.c.exclusive, g.c.starts_on, g.c.ends_on).where(
        g.c.title_id.in_(_expanding("title_ids", sorted(set(title_ids)), g.c.title_id)),
        g.c.starts_on <= end,
        g.c.ends_on >= start,
        sa.exists().where(
            t.c.grant_id == g.c.id, t.c.code.in_(_expanding("codes", sorted(codes_covering(countries)), t.c.code)),
            t.c.excluded == sa.false(),
        ),
        sa.exists().where(
            m.c.grant_id == g.c.id, m.c.medium.in_(_expanding("media", [Medium(v) for v in sorted(media)], m.c.medium)),
        ),
    )
    if not exclusive:
        stmt = stmt.where(g.c.exclusive == sa.true())
    if exclude_deal_id is not None:
        stmt = stmt.where(sa.or_(g.c.deal_id.is_(None), g.c.deal_id != exclude_deal_id))
    return stmt


def _grant_rights(rows) -> list[tuple[Rights, dict]]:
    """Load the territory and media sets of candidate grant rows."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    territories: dict[int, list] = defaultdict(list)
    media: dict[int, set] = defaultdict(set)
    t, m = rights_grant_territories, rights_grant_media
    # Territories and media of the candidates in one round trip (media rows have no "excluded").
    both = sa.union_all(
        sa.select(t.c.grant_id, t.c.code.label("value"), t.c.excluded.label("excluded"))
        .where(t.c.grant_id.in_(_expanding("ids", ids, t.c.grant_id))),
        sa.select(m.c.grant_id, sa.cast(m.c.medium, sa.String(32)), sa.null())
        .where(m.c.grant_id.in_(_expanding("ids", ids, m.c.grant_id))),
    )
    for grant_id, value, excluded in db.session.execute(both):
        if excluded is None:
            media[grant_id].add(value)
        else:
            territories[grant_id].append((value, bool(excluded)))
    return [
        (
            Rights.of(row.title_id, territories[row.id], media[row.id], row.starts_on, row.ends_on, row.exclusive),
            {"grant_id": row.id, "deal_id": row.deal_id},
        )
        for row in rows
    ]


# -- soft holds: other deals in late stages -----------------------------------------------------------------


def late_stages() -> sa.Select:
    """Ids of open stages of rights-bearing deal types at or after the term sheet
    (a subquery, so the hold query is one round trip)."""
    stage, term_sheet = PipelineStage, aliased(PipelineStage)
    term_sheet_position = (
        sa.select(term_sheet.position)
        .where(term_sheet.deal_type == stage.deal_type, term_sheet.key == "term_sheet")
        .scalar_subquery()
    )
    return sa.select(stage.id).where(
        stage.deal_type.in_(RIGHTS_DEAL_TYPES),
        stage.is_won == sa.false(),
        stage.is_lost == sa.false(),
        sa.or_(stage.key.in_(sorted(LATE_STAGE_KEYS)), stage.position >= term_sheet_position),
    )


def deal_terms(deal: Deal) -> tuple[dt.date | None, dt.date | None, bool]:
    """A deal's licence period and exclusivity (missing dates: open-ended)."""
    if deal.licence is not None:
        return deal.licence.licence_start, deal.licence.licence_end, deal.licence.exclusive
    if deal.format_terms is not None:
        return None, None, deal.format_terms.exclusive
    return None, None, True


def rights_for_deal(deal: Deal, title_ids: Iterable[int] | None = None) -> list[Rights]:
    """The rights a deal's terms cover, one per title (none for co-productions)."""
    if deal.deal_type not in RIGHTS_DEAL_TYPES:
        return []
    start, end, exclusive = deal_terms(deal)
    territories = [(t.code, t.excluded) for t in deal.territories]
    media = [m.medium for m in deal.media]
    wanted = set(title_ids) if title_ids is not None else None
    return [
        Rights.of(title.id, territories, media, start, end, exclusive)
        for title in deal.titles if wanted is None or title.id in wanted
    ]


def _deal_holds(title_ids, exclude_deal_id) -> list[tuple[Rights, dict]]:
    stmt = (
        sa.select(Deal)
        .where(
            Deal.stage_id.in_(late_stages()),
            Deal.archived_at.is_(None),
            Deal.id.in_(sa.select(deal_titles.c.deal_id).where(deal_titles.c.title_id.in_(list(title_ids)))),
        )
        .options(
            selectinload(Deal.titles), selectinload(Deal.territories), selectinload(Deal.media),
            selectinload(Deal.licence), selectinload(Deal.format_terms), selectinload(Deal.stage),
        )
    )
    if exclude_deal_id is not None:
        stmt = stmt.where(Deal.id != exclude_deal_id)
    held = []
    for deal in db.session.scalars(stmt):
        details = {
            "deal_id": deal.id, "deal_names": (deal.name_en, deal.name_zh),
            "stage_names": (deal.stage.name_en, deal.stage.name_zh),
        }
        held.extend((rights, details) for rights in rights_for_deal(deal, title_ids))
    return held


# -- the check ----------------------------------------------------------------------------------------------


def check_rights(requests: list[Rights], exclude_deal_id: int | None = None, soft: bool = True) -> list[Conflict]:
    """Conflicts of each requested right with signed grants, then (``soft``) with
    other deals in late stages. Requests share territories, media and period when
    they come from one deal, so one query per distinct shape is run."""
    conflicts: list[Conflict] = []
    shapes: dict[tuple, list[Rights]] = defaultdict(list)
    for req in requests:
        if req.countries and req.media and req.start <= req.end:
            shapes[(req.countries, req.media, req.start, req.end, req.exclusive)].append(req)
    for (countries, media, start, end, exclusive), reqs in shapes.items():
        title_ids = sorted({r.title_id for r in reqs})
        rows = db.session.execute(
            grant_candidates_stmt(title_ids, countries, media, start, end, exclusive, exclude_deal_id)
        ).all()
        grants = _grant_rights(rows)
        holds = _deal_holds(title_ids, exclude_deal_id) if soft else []
        for req in reqs:
            conflicts += find_conflicts(req, [g for g in grants if g[0].title_id == req.title_id], HARD)
            conflicts += find_conflicts(req, [h for h in holds if h[0].title_id == req.title_id], SOFT)
    return _with_names(conflicts)


def check_availability(title_ids, territories, media, start: dt.date | None, end: dt.date | None,
                       exclusive: bool = True, exclude_deal_id: int | None = None,
                       soft: bool = True) -> list[Conflict]:
    """Conflicts of the requested rights (``territories``: text such as "WW -CN",
    codes, or ``(code, excluded)`` pairs; ``media``: Medium members or values;
    missing dates are open-ended) with signed grants (hard) and other late-stage
    deals (soft). Hard conflicts come first."""
    entries = _territory_entries(territories)
    requests = [Rights.of(tid, entries, media, start, end, exclusive) for tid in dict.fromkeys(title_ids)]
    return check_rights(requests, exclude_deal_id, soft)


def _with_names(conflicts: list[Conflict]) -> list[Conflict]:
    """Fill in title and grant-deal names (two small queries) and order the list."""
    if not conflicts:
        return []
    import dataclasses

    title_ids = {c.title_id for c in conflicts}
    titles = {
        row.id: (row.name_en, row.name_zh)
        for row in db.session.execute(sa.select(Title.id, Title.name_en, Title.name_zh).where(Title.id.in_(title_ids)))
    }
    deal_ids = {c.deal_id for c in conflicts if c.deal_id is not None and c.deal_names == (None, None)}
    deals = {}
    if deal_ids:
        deals = {
            row.id: (row.name_en, row.name_zh)
            for row in db.session.execute(sa.select(Deal.id, Deal.name_en, Deal.name_zh).where(Deal.id.in_(deal_ids)))
        }
    named = [
        dataclasses.replace(
            c, title_names=titles.get(c.title_id, (None, None)),
            deal_names=deals.get(c.deal_id, c.deal_names) if c.deal_names == (None, None) else c.deal_names,
        )
        for c in conflicts
    ]
    named.sort(key=lambda c: (c.kind != HARD, c.title_id, c.overlap.start, c.grant_id or 0, c.deal_id or 0))
    return named


def deal_conflicts(deal: Deal, soft: bool = True) -> list[Conflict]:
    """What collides with a deal's own terms (its own grants and itself excluded)."""
    return check_rights(rights_for_deal(deal), exclude_deal_id=deal.id, soft=soft)


# -- grants and the move hook -------------------------------------------------------------------------------


def create_grants_for_won_deal(deal: Deal) -> list[int]:
    """Create one grant per title from a won deal's terms (territories, media,
    period, exclusivity, languages); returns the grant ids. Idempotent: when the
    deal already has grants their ids are returned. A missing start is the signed
    date (else today); a missing end is open. Inserts through the session's
    connection without flushing the session, so it is safe inside a move hook."""
    g = RightsGrant.__table__
    with db.session.no_autoflush:
        existing = list(db.session.scalars(sa.select(g.c.id).where(g.c.deal_id == deal.id).order_by(g.c.id)))
        if existing or deal.deal_type not in RIGHTS_DEAL_TYPES:
            return existing
        start, end, exclusive = deal_terms(deal)
        start = start or deal.signed_on or dt.date.today()
        end = max(end or OPEN_END, start)
        languages = deal.licence.languages if deal.licence is not None else None
        territories = [(t.code, t.excluded) for t in deal.territories]
        media = [Medium(m.medium) for m in deal.media]
        title_ids = [t.id for t in deal.titles]
    return [
        add_grant(title_id, territories, media, start, end, exclusive, deal_id=deal.id, languages=languages)
        for title_id in title_ids
    ]


def add_grant(title_id: int, territories, media, start: dt.date, end: dt.date, exclusive: bool = True, *,
              deal_id: int | None = None, languages: str | None = None) -> int:
    """Insert one grant with its territory entries (text, codes or ``(code,
    excluded)`` pairs) and media; returns its id. Runs on the session's
    connection (same transaction) without flushing the session."""
    conn = db.session.connection()
    result = conn.execute(RightsGrant.__table__.insert().values(
        title_id=title_id, deal_id=deal_id, exclusive=exclusive, starts_on=start, ends_on=end, languages=languages,
    ))
    grant_id = result.inserted_primary_key[0]
    entries = dict(_territory_entries(territories))  # one row per code (the primary key)
    if entries:
        conn.execute(rights_grant_territories.insert(), [
            {"grant_id": grant_id, "code": code, "excluded": excluded} for code, excluded in entries.items()
        ])
    kinds = {Medium(m) for m in media}
    if kinds:
        conn.execute(rights_grant_media.insert(), [{"grant_id": grant_id, "medium": m} for m in sorted(kinds)])
    return grant_id


def grants_on_win(deal: Deal, from_stage, to_stage: PipelineStage, user) -> None:
    """After-move hook: a deal moved into a won stage gets its grants."""
    if to_stage.is_won:
        create_grants_for_won_deal(deal)


def is_signed_stage(stage: PipelineStage) -> bool:
    return stage.is_won or stage.key in SIGNED_STAGE_KEYS


def rights_check_for_move(deal: Deal, to_stage: PipelineStage, user, override_reason: str | None = None) -> None:
    """Before ``deal`` moves to ``to_stage``: refuse a move from an unsigned stage
    into a signed or won one while signed grants collide with its terms
    (RightsConflictError), unless a manager or admin gives a reason, which is
    written to the audit log. Moves between signed stages are not re-checked."""
    if deal.deal_type not in RIGHTS_DEAL_TYPES or not is_signed_stage(to_stage):
        return
    if deal.stage is not None and is_signed_stage(deal.stage):
        return  # already signed (checked, or overridden, on the way in)
    conflicts = deal_conflicts(deal, soft=False)
    if not conflicts:
        return
    reason = (override_reason or "").strip()
    if reason and user is not None and user.is_manager:
        record(
            "rights_override", user_id=user.id, entity=deal,
            changes={
                "reason": reason, "to_stage": to_stage.key,
                "grants": sorted({c.grant_id for c in conflicts if c.grant_id is not None}),
            },
        )
        return
    raise RightsConflictError(conflicts, can_override=user is not None and user.is_manager)


# The move hooks (crm/deals/moves.py): refuse signing over a hard conflict; grants on a win.
if rights_check_for_move not in before_move_checks:
    before_move_checks.append(rights_check_for_move)
if grants_on_win not in after_move_hooks:
    after_move_hooks.append(grants_on_win)

__all__ = [
    "OPEN_END", "OPEN_START", "RightsConflictError", "check_availability", "check_rights",
    "add_grant", "create_grants_for_won_deal", "deal_conflicts", "rights_check_for_move",
]


def conflict_warnings(deal: Deal) -> list[str]:
    """The deal's rights conflicts in plain words (nothing for co-productions):
    shown after every save of its terms and after a move to negotiation or later."""
    if deal.deal_type not in RIGHTS_DEAL_TYPES:
        return []
    from .messages import describe

    return [describe(conflict) for conflict in deal_conflicts(deal)]
