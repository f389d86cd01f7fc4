"""Write-side rules for deals (no request needed)."""

from __future__ import annotations

from decimal import Decimal

from ..db_types import utcnow
from ..enums import DealType
from ..extensions import db
from .models import Deal, StageChange
from .stages import stage_by_key, stages_for_type


def create_deal(*, owner, deal_type: DealType, company_id: int, currency: str, amount: Decimal = Decimal("0"),
                name_en: str | None = None, name_zh: str | None = None, stage_key: str | None = None,
                changed_by=None, **fields) -> Deal:
    """A new deal in its type's first stage (or ``stage_key``), with its first history row."""
    deal_type = DealType(deal_type)
    stage = stage_by_key(deal_type, stage_key) if stage_key else stages_for_type(deal_type)[0]
    now = utcnow()
    deal = Deal(
        deal_type=deal_type, stage_id=stage.id, owner_id=owner.id, company_id=company_id, currency=currency.upper(),
        amount=amount, name_en=name_en, name_zh=name_zh, stage_entered_at=now, **fields,
    )
    db.session.add(deal)
    db.session.flush()
    db.session.add(StageChange(
        deal_id=deal.id, from_stage_id=None, to_stage_id=stage.id, changed_by_id=(changed_by or owner).id,
        changed_at=now,
    ))
    return deal
