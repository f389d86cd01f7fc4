"""Write-side rules for deals (no request needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from ..audit.models import record
from ..auth.models import User
from ..companies.models import Company, Contact
from ..db_types import utcnow
from ..enums import DealType
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..records import archive, newly_archived, restore
from ..titles.models import Title
from .models import (
    CoproductionPartner,
    CoproductionTerms,
    Deal,
    DealMedium,
    DealTerritory,
    FormatTerms,
    LicenceTerms,
    PaymentInstalment,
    StageChange,
)
from .stages import stage_by_key, stages_for_type
from .terms import DealError, terms_kind, validate_common, validate_terms


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


# -- create and edit with typed terms ------------------------------------------

COMMON_FIELDS = ("name_en", "name_zh", "company_id", "amount", "currency", "expected_close_date",
                 "regulatory_status", "notes")
COPRODUCTION_FIELDS = ("working_title", "budget", "budget_currency", "episodes", "episode_minutes", "language",
                       "underlying_ip", "official_status", "creative_control", "overruns", "completion_bond",
                       "delivery_date")
LICENCE_FIELDS = ("exclusive", "licence_start", "licence_end", "starts_on_permit", "runs", "languages", "fee_kind",
                  "minimum_guarantee", "revenue_share", "agent_commission", "holdback_months", "holdbacks",
                  "first_run_obligation")
FORMAT_FIELDS = ("platform", "episodes", "seasons", "exclusive", "fee_basis", "fee_percent", "fee_per_episode",
                 "local_budget", "option_seasons", "production_bible", "consultancy_days", "backend_share")
PARTNER_FIELDS = ("company_id", "financing_share", "ip_share", "contribution", "territories_retained")


class DealConflictError(Exception):
    """The deal changed since the version the user loaded; nothing was written.
    ``values``/``terms`` are what the user submitted (validated)."""

    def __init__(self, values: dict, terms: dict):
        super().__init__("stale deal version")
        self.values, self.terms = values, terms


def _json(value):
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return getattr(value, "value", value)


def _audit(action: str, deal: Deal, user, ip: str | None, changes=None) -> None:
    record(action, user_id=getattr(user, "id", None), entity=deal, changes=_json(changes) if changes else None,
           ip=ip)


def _check_links(values: dict, contact_ids, title_ids, owner_id=None, current: Deal | None = None,
                 partner_ids=()) -> tuple[list, list]:
    """Contacts must work at the counterpart company; titles and owner must exist; an archived company or
    title cannot be newly chosen (one ``current`` already has stays acceptable)."""
    errors: dict[str, list] = {}
    contacts = list(db.session.scalars(sa.select(Contact).where(Contact.id.in_(contact_ids or [])))) \
        if contact_ids else []
    if len(contacts) != len(set(contact_ids or [])) or any(c.company_id != values.get("company_id")
                                                           for c in contacts):
        errors["contact_ids"] = [_l("Choose contacts who work at the counterpart company.")]
    titles = list(db.session.scalars(sa.select(Title).where(Title.id.in_(title_ids)))) if title_ids else []
    kept_titles = {t.id for t in current.titles} if current is not None else set()
    if len(titles) != len(set(title_ids or [])):
        errors["title_ids"] = [_l("Choose titles from the list.")]
    elif newly_archived(titles, kept_titles):
        errors["title_ids"] = [_l("An archived title cannot be added: choose another one or restore it first.")]
    company = db.session.get(Company, values["company_id"]) if values.get("company_id") else None
    if values.get("company_id") and company is None:
        errors["company_id"] = [_l("Choose the counterpart company.")]
    elif newly_archived([company], {current.company_id} if current is not None else set()):
        errors["company_id"] = [_l("This company is archived: choose another one or restore it first.")]
    kept_partners = {p.company_id for p in current.coproduction.partners} \
        if current is not None and current.coproduction is not None else set()
    new_partners = [i for i in partner_ids if i not in kept_partners]
    if new_partners and db.session.scalar(sa.select(sa.func.count()).select_from(Company).where(
            Company.id.in_(new_partners), Company.archived_at.is_not(None))):
        errors["partners"] = [_l("This company is archived: choose another one or restore it first.")]
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.active:
            errors["owner_id"] = [_l("Choose an active user.")]
    if errors:
        raise DealError(errors)
    return contacts, titles


def _partner_ids(terms: dict) -> list[int]:
    return [row["company_id"] for row in terms.get("partners") or [] if row.get("company_id")]


def _set_codes(deal: Deal, terms: dict) -> None:
    wanted = {c: False for c in terms.get("territories", [])} | {c: True for c in terms.get("excluded", [])}
    for row in list(deal.territories):
        if row.code not in wanted:
            deal.territories.remove(row)
        else:
            row.excluded = wanted.pop(row.code)
    for code, excluded in wanted.items():
        deal.territories.append(DealTerritory(code=code, excluded=excluded))


def _set_media(deal: Deal, media: list) -> None:
    wanted = list(media)
    for row in list(deal.media):
        if row.medium in wanted:
            wanted.remove(row.medium)
        else:
            deal.media.remove(row)
    for medium in wanted:
        deal.media.append(DealMedium(medium=medium))


def _set_payments(deal: Deal, rows: list[dict]) -> None:
    """Instalments keep their sequence numbers (updated in place: no unique clash on flush)."""
    existing = {p.sequence: p for p in deal.payments}
    for seq, row in enumerate(rows, start=1):
        payment = existing.pop(seq, None)
        if payment is None:
            deal.payments.append(PaymentInstalment(sequence=seq, **row))
        else:
            for key, value in row.items():
                setattr(payment, key, value)
    for payment in existing.values():
        deal.payments.remove(payment)


def _set_partners(terms_row: CoproductionTerms, rows: list[dict]) -> None:
    existing = {p.company_id: p for p in terms_row.partners}
    for row in rows:
        partner = existing.pop(row["company_id"], None)
        if partner is None:
            terms_row.partners.append(CoproductionPartner(**row))
        else:
            for key, value in row.items():
                setattr(partner, key, value)
    for partner in existing.values():
        terms_row.partners.remove(partner)


def _apply_terms(deal: Deal, terms: dict) -> None:
    kind = terms_kind(deal.deal_type)
    if kind == "coproduction":
        if deal.coproduction is None:
            deal.coproduction = CoproductionTerms()
        for key in COPRODUCTION_FIELDS:
            setattr(deal.coproduction, key, terms.get(key))
        _set_partners(deal.coproduction, terms.get("partners", []))
    elif kind == "licence":
        if deal.licence is None:
            deal.licence = LicenceTerms()
        for key in LICENCE_FIELDS:
            setattr(deal.licence, key, terms.get(key))
        _set_codes(deal, terms)
        _set_media(deal, terms.get("media", []))
        _set_payments(deal, terms.get("payments", []))
    else:
        if deal.format_terms is None:
            deal.format_terms = FormatTerms()
        for key in FORMAT_FIELDS:
            setattr(deal.format_terms, key, terms.get(key))
        _set_codes(deal, terms)


def deal_values(deal: Deal) -> tuple[dict, dict]:
    """The deal as (common values, terms) in the shape create/update take (for forms and diffs)."""
    values = {key: getattr(deal, key) for key in COMMON_FIELDS}
    values["owner_id"] = deal.owner_id
    values["contact_ids"] = sorted(c.id for c in deal.contacts)
    values["title_ids"] = sorted(t.id for t in deal.titles)
    kind = terms_kind(deal.deal_type)
    terms: dict = {}
    if kind == "coproduction":
        row = deal.coproduction
        if row is not None:
            terms = {key: getattr(row, key) for key in COPRODUCTION_FIELDS}
            terms["partners"] = [{key: getattr(p, key) for key in PARTNER_FIELDS} for p in row.partners]
    else:
        row = deal.licence if kind == "licence" else deal.format_terms
        if row is not None:
            terms = {key: getattr(row, key) for key in (LICENCE_FIELDS if kind == "licence" else FORMAT_FIELDS)}
        terms["territories"] = [t.code for t in deal.territories if not t.excluded]
        terms["excluded"] = [t.code for t in deal.territories if t.excluded]
        if kind == "licence":
            terms["media"] = [m.medium for m in deal.media]
            terms["payments"] = [{"percent": p.percent, "trigger_en": p.trigger_en, "trigger_zh": p.trigger_zh}
                                 for p in deal.payments]
    return values, terms


def _comparable(value):
    if isinstance(value, list):
        items = [_comparable(v) for v in value]
        return items if value and isinstance(value[0], dict) else sorted(items, key=str)
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, str):
        return value or None
    return getattr(value, "value", value)


def differences(deal: Deal, values: dict, terms: dict) -> list[tuple[str, object, object]]:
    """[(field, the deal's value now, the submitted value)] where they differ."""
    now_values, now_terms = deal_values(deal)
    rows = []
    for current, submitted in ((now_values, values), (now_terms, terms)):
        for key, mine in submitted.items():
            if key not in current and key in ("contact_ids", "title_ids"):
                continue
            theirs = current.get(key)
            if _comparable(theirs) != _comparable(mine):
                rows.append((key, theirs, mine))
    return rows


def _prepare(deal_type: DealType, values: dict, terms: dict) -> tuple[dict, dict, list, list]:
    """Validate everything, collecting the common and the terms errors together."""
    errors: dict[str, list] = {}
    values = dict(values)
    contact_ids = values.pop("contact_ids", None) or []
    title_ids = values.pop("title_ids", None) or []
    try:
        values = validate_common(values)
    except DealError as exc:
        errors.update(exc.errors)
    try:
        terms = validate_terms(deal_type, terms)
    except DealError as exc:
        errors.update(exc.errors)
    if errors:
        raise DealError(errors)
    return values, terms, contact_ids, title_ids


def create_deal_with_terms(user, *, deal_type: DealType, values: dict, terms: dict, owner_id: int | None = None,
                           ip: str | None = None) -> Deal:
    """A new deal with its typed terms, owned by ``owner_id`` (default: ``user``).
    Raises DealError ({field: [messages]}) and writes nothing when a rule is broken."""
    deal_type = DealType(deal_type)
    values, terms, contact_ids, title_ids = _prepare(deal_type, values, terms)
    contacts, titles = _check_links(values, contact_ids, title_ids, owner_id, partner_ids=_partner_ids(terms))
    owner = db.session.get(User, owner_id) if owner_id else user
    deal = create_deal(owner=owner, deal_type=deal_type, changed_by=user, **values)
    deal.contacts = contacts
    deal.titles = titles
    _apply_terms(deal, terms)
    db.session.flush()
    _audit("create", deal, user, ip, {"values": values, "terms": terms, "contact_ids": contact_ids,
                                      "title_ids": title_ids})
    return deal


def update_deal(deal: Deal, user, *, expected_version: int | None, values: dict, terms: dict,
                owner_id: int | None = None, ip: str | None = None) -> list:
    """Save the edit form of ``deal`` loaded at ``expected_version``.

    Raises DealError when a rule is broken, DealConflictError when the deal changed
    since that version (checked before anything is applied, and again by the
    versioned UPDATE for a race between the check and the flush). In both cases
    nothing is written; after DealConflictError the caller rolls back. Returns the
    changes [(field, old, new)]."""
    values, terms, contact_ids, title_ids = _prepare(deal.deal_type, values, terms)
    submitted = {**values, "contact_ids": sorted(set(contact_ids)), "title_ids": sorted(set(title_ids))}
    if owner_id is not None:
        submitted["owner_id"] = owner_id
    if expected_version is None or expected_version != deal.version:
        raise DealConflictError(submitted, terms)
    contacts, titles = _check_links(values, contact_ids, title_ids,
                                    owner_id if owner_id not in (None, deal.owner_id) else None, current=deal,
                                    partner_ids=_partner_ids(terms))
    changes = differences(deal, submitted, terms)
    if not changes:
        return []
    for key, value in values.items():
        setattr(deal, key, value)
    if owner_id is not None:
        deal.owner_id = owner_id
    deal.contacts = contacts
    deal.titles = titles
    _apply_terms(deal, terms)
    # Always UPDATE the deal row, so its version moves on even when only terms changed.
    deal.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise DealConflictError(submitted, terms) from exc
    _audit("update", deal, user, ip, {key: [old, new] for key, old, new in changes})
    db.session.flush()
    return changes


def archive_deal(deal: Deal, user, ip: str | None = None) -> bool:
    """Archive (hidden from lists and the board, restorable); False when it already was."""
    if deal.archived_at is not None:
        return False
    archive(deal)
    _audit("archive", deal, user, ip)
    return True


def restore_deal(deal: Deal, user, ip: str | None = None) -> bool:
    if deal.archived_at is None:
        return False
    restore(deal)
    _audit("restore", deal, user, ip)
    return True
