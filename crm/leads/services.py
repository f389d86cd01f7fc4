"""Write-side rules for leads: qualification and conversion into a deal."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..deals.models import Deal
from ..deals.services import create_deal
from ..enums import DealType, LeadStatus
from ..extensions import db
from .models import Lead


class LeadError(ValueError):
    """A rule a lead change broke; ``args[0]`` is a lazy, translatable message."""


def create_lead(*, owner, company_id: int, **fields) -> Lead:
    lead = Lead(owner_id=owner.id, company_id=company_id, **fields)
    db.session.add(lead)
    db.session.flush()
    return lead


def convert_lead(lead: Lead, user, *, deal_type: DealType | str | None = None, currency: str = "USD",
                 amount: Decimal = Decimal("0"), name_en: str | None = None, name_zh: str | None = None,
                 **deal_fields) -> Deal:
    """Turn ``lead`` into a deal that carries its company, contact, source event and
    meeting, and titles; the lead becomes "converted" and points at the deal."""
    if lead.status == LeadStatus.CONVERTED:
        raise LeadError(_l("This lead has already been converted."))
    if lead.status == LeadStatus.DISQUALIFIED:
        raise LeadError(_l("A disqualified lead cannot be converted. Requalify it first."))
    deal_type = DealType(deal_type or lead.deal_type or DealType.DISTRIBUTION)
    if not (name_en or name_zh):
        company = lead.company
        name_en = lead.summary or (company.name_en if company else None)
        name_zh = company.name_zh if company else None
    deal = create_deal(
        owner=lead.owner, deal_type=deal_type, company_id=lead.company_id, currency=currency, amount=amount,
        name_en=name_en, name_zh=name_zh, lead_id=lead.id, meeting_id=lead.meeting_id, event_id=lead.event_id,
        changed_by=user, **deal_fields,
    )
    deal.titles = list(lead.titles)
    if lead.contact is not None:
        deal.contacts = [lead.contact]
    lead.status = LeadStatus.CONVERTED
    db.session.flush()
    return deal
