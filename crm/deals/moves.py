"""Moving a deal to another pipeline stage: the rules, the history row and the audit entry.

``move_deal`` is the one place a stage changes after creation; the board's
drag and drop, its keyboard form and any other caller use it. It checks
everything before it changes anything, then writes the deal, one
``StageChange`` row and an audit entry in one flush (the caller commits). A
stale ``expected_version`` is refused up front; a concurrent move that
commits between our read and our write is caught by the versioned UPDATE
(``version_id_col``) and reported the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from ..audit.models import record
from ..db_types import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from .models import Deal, PipelineStage, StageChange

# Callables (deal, to_stage, user, override_reason) run before a move changes
# anything; an exception refuses the move (e.g. a rights check). Raise a
# MoveError subclass (its ``message``, ``field`` and ``status`` reach the user).
before_move_checks: list[Callable] = []
# Callables (deal, from_stage, to_stage, user) run after the deal is changed and
# before the flush, in the same transaction (e.g. freezing the exchange rate on a win).
after_move_hooks: list[Callable] = []


class MoveError(Exception):
    """A refused move; ``message`` is a lazy translated string, ``field`` the input to fix (if any)."""

    field: str | None = None
    status = 400  # the HTTP status a JSON caller gets

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class WrongDealTypeError(MoveError):
    field = "stage_id"


class ReasonRequiredError(MoveError):
    field = "reason"


class SignedDateRequiredError(MoveError):
    field = "signed_on"


class ConflictError(MoveError):
    """The deal changed since the version the user saw: nothing was written."""

    status = 409

    def __init__(self, message, *, current_version: int, current_stage_id: int):
        super().__init__(message)
        self.current_version = current_version
        self.current_stage_id = current_stage_id


def _conflict(deal_id: int) -> ConflictError:
    current = db.session.execute(sa.select(Deal.version, Deal.stage_id).where(Deal.id == deal_id)).one()
    return ConflictError(
        _l("Someone else changed this deal meanwhile; it is now shown where it really is. Nothing was moved."),
        current_version=current.version, current_stage_id=current.stage_id,
    )


def move_deal(deal: Deal, to_stage: PipelineStage, user, *, expected_version: int, reason: str | None = None,
              signed_on: dt.date | None = None, override_reason: str | None = None) -> StageChange | None:
    """Move ``deal`` to ``to_stage`` for ``user``; returns the new history row (None when already there).

    Raises WrongDealTypeError, ConflictError (stale ``expected_version`` or a
    concurrent change; the session is rolled back), ReasonRequiredError (lost
    without a reason), SignedDateRequiredError (won without a signed date) or
    whatever a ``before_move_checks`` callable raises. Nothing is written when
    it raises. Permissions (who may see the deal) are the caller's job.
    """
    reason = (reason or "").strip() or None
    override_reason = (override_reason or "").strip() or None
    if to_stage.deal_type != deal.deal_type or not to_stage.active:
        raise WrongDealTypeError(_l("That stage belongs to another pipeline."))
    if expected_version != deal.version:
        raise _conflict(deal.id)
    if to_stage.id == deal.stage_id:
        return None
    if to_stage.is_lost and not reason:
        raise ReasonRequiredError(_l("Say why the deal was lost."))
    signed_on = signed_on or (deal.signed_on if to_stage.is_won else None)
    if to_stage.is_won and signed_on is None:
        raise SignedDateRequiredError(_l("Give the date the contract was signed."))
    for check in before_move_checks:
        check(deal, to_stage, user, override_reason)

    from_stage = deal.stage
    now = utcnow()
    entered = deal.stage_entered_at
    seconds = max(int((now - entered).total_seconds()), 0) if entered is not None else None
    deal.stage_id = to_stage.id
    deal.stage = to_stage
    deal.stage_entered_at = now
    if to_stage.is_won:
        deal.signed_on = signed_on
        deal.closed_at = now
        deal.won_reason = reason
        deal.lost_reason = None
    elif to_stage.is_lost:
        deal.closed_at = now
        deal.lost_reason = reason
        deal.won_reason = None
        deal.signed_on = None
    else:
        deal.closed_at = None
        deal.signed_on = None
        deal.won_reason = None
        deal.lost_reason = None
    change = StageChange(
        deal_id=deal.id, from_stage_id=from_stage.id if from_stage else None, to_stage_id=to_stage.id,
        changed_by_id=user.id, changed_at=now, seconds_in_previous_stage=seconds,
        reason=reason if reason else override_reason,
    )
    db.session.add(change)
    changes = {"stage": [from_stage.key if from_stage else None, to_stage.key], "version": deal.version + 1}
    if reason:
        changes["reason"] = reason
    if signed_on and to_stage.is_won:
        changes["signed_on"] = signed_on.isoformat()
    if override_reason:
        changes["override_reason"] = override_reason
    record("move", user_id=user.id, entity=deal, changes=changes)
    for hook in after_move_hooks:
        hook(deal, from_stage, to_stage, user)
    deal_id = deal.id
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise _conflict(deal_id) from None
    return change


def _freeze_rate_on_win(deal, from_stage, to_stage, user) -> None:
    """A won deal keeps the exchange rate of its signing date; reopening it lets go."""
    from ..rates.services import MissingRateError, freeze_rate

    if to_stage.is_won:
        try:
            freeze_rate(deal, on=deal.signed_on)
        except MissingRateError:
            # No rate on file for that date: totals keep using the day's rate, as they say.
            deal.fx_rate = deal.fx_rate_date = None
    elif from_stage is not None and from_stage.is_won:
        deal.fx_rate = deal.fx_rate_date = None


after_move_hooks.append(_freeze_rate_on_win)
