"""Write-side rules for leads: editing, qualification and conversion into a deal."""

from __future__ import annotations

from decimal import Decimal

from ..companies.models import Company, Contact
from ..deals.models import Deal
from ..deals.services import create_deal
from ..enums import DealType, Genre, LeadSource, LeadStatus
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..meetings.models import Meeting
from ..records import archive, hard_delete, newly_archived, restore
from ..titles.models import Title
from .models import Lead

LEAD_FIELDS = ("company_id", "contact_id", "source", "event_id", "meeting_id", "deal_type", "genre", "summary",
               "notes", "owner_id")


class LeadError(ValueError):
    """A rule a lead change broke; ``args[0]`` is a lazy, translatable message and
    ``field`` the form field it is about (None for the whole form)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def _clean(fields: dict) -> dict:
    out = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip() or None
        out[name] = value
    for name, enum_cls in (("source", LeadSource), ("deal_type", DealType), ("genre", Genre)):
        if out.get(name) is not None:
            out[name] = enum_cls(out[name])
    return out


def check_links(company_id: int | None, contact_id: int | None = None, meeting_id: int | None = None,
                current: Lead | None = None) -> None:
    """The contact and the meeting, when given, must be with the lead's company; an archived company
    cannot be newly chosen (the one ``current`` already has stays acceptable)."""
    if not company_id:
        raise LeadError(_l("Choose the company."), "company_id")
    company = db.session.get(Company, company_id)
    if company is None:
        raise LeadError(_l("Choose the company."), "company_id")
    if newly_archived([company], {current.company_id} if current is not None else set()):
        raise LeadError(_l("This company is archived: choose another one or restore it first."), "company_id")
    if contact_id is not None:
        contact = db.session.get(Contact, contact_id)
        if contact is None or contact.company_id != company_id:
            raise LeadError(_l("This contact does not work at the chosen company."), "contact_id")
    if meeting_id is not None:
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or (meeting.company_id is not None and meeting.company_id != company_id):
            raise LeadError(_l("This meeting was with another company."), "meeting_id")


def _titles(title_ids, current: Lead | None = None) -> list[Title]:
    """The titles named by ``title_ids``: each must exist, and an archived one must already be ``current``'s."""
    ids = list(dict.fromkeys(title_ids or []))
    if not ids:
        return []
    from sqlalchemy import select

    titles = list(db.session.scalars(select(Title).where(Title.id.in_(ids))))
    if len(titles) != len(ids):
        raise LeadError(_l("Choose titles from the list."), "title_ids")
    kept = {t.id for t in current.titles} if current is not None else set()
    if newly_archived(titles, kept):
        raise LeadError(_l("An archived title cannot be added: choose another one or restore it first."),
                        "title_ids")
    return titles


def create_lead(*, owner, company_id: int, **fields) -> Lead:
    """A new lead owned by ``owner``. ``title_ids`` (optional) names the titles of interest."""
    title_ids = fields.pop("title_ids", None)
    fields = _clean(fields)
    check_links(company_id, fields.get("contact_id"), fields.get("meeting_id"))
    lead = Lead(owner_id=owner.id, company_id=company_id, **fields)
    if title_ids is not None:
        lead.titles = _titles(title_ids)
    db.session.add(lead)
    db.session.flush()
    return lead


def update_lead(lead: Lead, *, title_ids=None, **fields) -> Lead:
    """Change a lead's fields (only those in LEAD_FIELDS) and, if given, its titles."""
    fields = _clean({k: v for k, v in fields.items() if k in LEAD_FIELDS})
    check_links(fields.get("company_id", lead.company_id), fields.get("contact_id", lead.contact_id),
                fields.get("meeting_id", lead.meeting_id), current=lead)
    for name, value in fields.items():
        if name == "owner_id" and value is None:
            continue
        setattr(lead, name, value)
    if title_ids is not None:
        lead.titles = _titles(title_ids, current=lead)
    db.session.flush()
    return lead


def qualify_lead(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise LeadError(_l("This lead has already been converted."))
    if lead.status == LeadStatus.DISQUALIFIED:
        raise LeadError(_l("Requalify a disqualified lead instead."))
    lead.status = LeadStatus.QUALIFIED


def disqualify_lead(lead: Lead, reason: str | None) -> None:
    """Disqualify with a reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise LeadError(_l("Say why the lead is disqualified."), "reason")
    if lead.status == LeadStatus.CONVERTED:
        raise LeadError(_l("This lead has already been converted."))
    lead.status = LeadStatus.DISQUALIFIED
    lead.disqualified_reason = reason[:300]


def requalify_lead(lead: Lead) -> None:
    """Bring a disqualified lead back as qualified (the old reason is cleared)."""
    if lead.status != LeadStatus.DISQUALIFIED:
        raise LeadError(_l("Only a disqualified lead can be requalified."))
    lead.status = LeadStatus.QUALIFIED
    lead.disqualified_reason = None


def archive_lead(lead: Lead) -> None:
    archive(lead)


def restore_lead(lead: Lead) -> None:
    restore(lead)


def delete_lead(lead: Lead) -> dict[str, int]:
    """Delete for good unless other records depend on the lead; returns those that block it."""
    return hard_delete(lead)


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
    name_en = (name_en or "").strip() or None
    name_zh = (name_zh or "").strip() or None
    if not (name_en or name_zh):
        name_en, name_zh = suggested_deal_names(lead)
    deal = create_deal(
        owner=lead.owner, deal_type=deal_type, company_id=lead.company_id, currency=currency,
        amount=Decimal("0") if amount is None else amount,
        name_en=name_en, name_zh=name_zh, lead_id=lead.id, meeting_id=lead.meeting_id, event_id=lead.event_id,
        changed_by=user, **deal_fields,
    )
    deal.titles = list(lead.titles)
    if lead.contact is not None:
        deal.contacts = [lead.contact]
    lead.status = LeadStatus.CONVERTED
    db.session.flush()
    return deal


def suggested_deal_names(lead: Lead) -> tuple[str | None, str | None]:
    """Deal names to prefill the conversion form: the lead summary (English), the company's Chinese name."""
    company = lead.company
    name_en = (lead.summary or (company.name_en if company else None) or "")[:200] or None
    name_zh = company.name_zh if company else None
    return name_en, name_zh
