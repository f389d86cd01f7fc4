"""The default pipeline of each deal type (from the domain notes; admins can change them)."""

from __future__ import annotations

import sqlalchemy as sa

from ..enums import DealType
from ..extensions import db
from .models import PipelineStage

# key, English, Chinese, win probability %, won, lost
_COMMON = [
    ("lead", "Lead (met at a market)", "线索", 5, False, False),
    ("qualified", "Qualified (screener or pitch exchanged)", "需求确认", 15, False, False),
    ("offer", "Offer (avails, fee, territories)", "报价", 30, False, False),
    ("negotiation", "Negotiation", "谈判", 50, False, False),
    ("term_sheet", "Term sheet agreed (non-binding)", "条款书确认", 70, False, False),
    ("signed", "Contract signed", "合同签署", 85, False, False),
    ("regulatory", "Regulatory approval", "审批通过", 95, False, False),
    ("won", "Delivered — won", "交付·赢单", 100, True, False),
    ("lost", "Lost", "输单", 0, False, True),
]

# Co-productions add development and financing-closed stages.
_COPRODUCTION = [
    _COMMON[0],
    _COMMON[1],
    ("development", "Development", "项目开发", 20, False, False),
    *_COMMON[2:5],
    ("financing_closed", "Financing closed", "融资完成", 75, False, False),
    *_COMMON[5:],
]


def default_stages(deal_type: DealType) -> list[tuple]:
    return _COPRODUCTION if deal_type == DealType.COPRODUCTION else _COMMON


def ensure_default_stages() -> int:
    """Create the default stages that are missing; returns how many were created."""
    existing = {tuple(row) for row in db.session.execute(sa.select(PipelineStage.deal_type, PipelineStage.key))}
    created = 0
    for deal_type in DealType:
        for position, (key, name_en, name_zh, probability, won, lost) in enumerate(default_stages(deal_type), 1):
            if (deal_type, key) in existing:
                continue
            db.session.add(
                PipelineStage(
                    deal_type=deal_type, key=key, name_en=name_en, name_zh=name_zh, position=position,
                    probability=probability, is_won=won, is_lost=lost,
                )
            )
            created += 1
    db.session.flush()
    return created


def stage_by_key(deal_type: DealType, key: str) -> PipelineStage:
    return db.session.execute(
        sa.select(PipelineStage).where(PipelineStage.deal_type == deal_type, PipelineStage.key == key)
    ).scalar_one()


def stages_for_type(deal_type: DealType) -> list[PipelineStage]:
    """Active stages of ``deal_type`` in pipeline order."""
    return list(
        db.session.scalars(
            sa.select(PipelineStage)
            .where(PipelineStage.deal_type == deal_type, PipelineStage.active)
            .order_by(PipelineStage.position)
        )
    )
