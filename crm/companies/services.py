"""Write-side rules for the shared address book: companies and contacts.

Every change writes an audit entry in the same transaction. Functions flush but
never commit: the caller (a view, the CLI, an import) owns the transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from babel.lists import format_list
from flask_babel import get_locale, ngettext

from ..audit.models import record
from ..enums import CompanyKind
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..records import archive, dependents, hard_delete, restore
from ..tasks.services import add_note
from .models import Company, Contact

COMPANY_FIELDS = ("name_en", "name_zh", "legal_name_en", "legal_name_zh", "kind", "country", "city",
                  "address_en", "address_zh", "website", "notes")
CONTACT_FIELDS = ("name_en", "name_zh", "job_title_en", "job_title_zh", "company_id", "email", "phone",
                  "wechat_id", "languages", "notes")
# Filled in on the target of a merge when it has no value of its own.
MERGE_FILL_FIELDS = ("name_en", "name_zh", "legal_name_en", "legal_name_zh", "country", "city",
                     "address_en", "address_zh", "website")


class AddressBookError(ValueError):
    """A rule a change broke; ``args[0]`` is a lazy, translatable message."""


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _normalise(model, fields: dict, allowed: tuple[str, ...]) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown {model.__name__} fields: {sorted(unknown)}")
    values = {k: _clean(v) for k, v in fields.items()}
    if "country" in values and values["country"]:
        values["country"] = values["country"].upper()
    if "kind" in values:
        values["kind"] = CompanyKind(values["kind"] or CompanyKind.OTHER)
    if "email" in values and values["email"]:
        values["email"] = values["email"].lower()
    if "languages" in values and values["languages"]:
        values["languages"] = " ".join(values["languages"].split())
    return values


def _require_name(obj_or_values) -> None:
    get = obj_or_values.get if isinstance(obj_or_values, dict) else lambda k: getattr(obj_or_values, k)
    if not (get("name_en") or get("name_zh")):
        raise AddressBookError(_l("Enter an English or a Chinese name (or both)."))


def _json(value):
    return getattr(value, "value", value)


def _apply(obj, values: dict) -> dict:
    """Set ``values`` on ``obj``; the changes as {field: [old, new]} for the audit log."""
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_json(old), _json(new)]
            setattr(obj, name, new)
    return changes


def _audit(action: str, obj, user, ip: str | None, changes: dict | None = None) -> None:
    record(action, user_id=getattr(user, "id", None), entity=obj, changes=changes, ip=ip)


# -- companies ---------------------------------------------------------------

def create_company(user, ip: str | None = None, **fields) -> Company:
    """A new company; at least one of ``name_en`` / ``name_zh`` (AddressBookError)."""
    values = _normalise(Company, fields, COMPANY_FIELDS)
    _require_name(values)
    company = Company(**values)
    db.session.add(company)
    db.session.flush()
    _audit("create", company, user, ip, {k: _json(v) for k, v in values.items() if v is not None})
    return company


def update_company(company: Company, user, ip: str | None = None, **fields) -> dict:
    """Change ``fields``; returns what changed (nothing changed: no audit entry)."""
    values = _normalise(Company, fields, COMPANY_FIELDS)
    _require_name({"name_en": company.name_en, "name_zh": company.name_zh, **values})
    changes = _apply(company, values)
    if changes:
        db.session.flush()
        _audit("update", company, user, ip, changes)
    return changes


def merge_companies(source: Company, target: Company, user, ip: str | None = None) -> dict[str, int]:
    """Merge the duplicate ``source`` into ``target``: its contacts, deals, leads,
    meetings, tasks, notes, titles (rights holder), co-production shares, events
    organised and attended move to ``target``; blank details on ``target`` are
    filled from ``source``; ``source`` is archived. Returns {what: rows moved}."""
    from ..deals.models import CoproductionPartner, Deal
    from ..events.models import Event, event_companies
    from ..leads.models import Lead
    from ..meetings.models import Meeting
    from ..tasks.models import Note, Task
    from ..titles.models import Title

    if source.id == target.id:
        raise AddressBookError(_l("A company cannot be merged into itself."))
    if target.archived_at is not None:
        raise AddressBookError(_l("Restore the company you merge into first: it is archived."))

    moved: dict[str, int] = {}

    def move(label: str, column) -> None:
        result = db.session.execute(
            sa.update(column.class_).where(column == source.id).values({column.key: target.id}),
            execution_options={"synchronize_session": False},
        )
        if result.rowcount:
            moved[label] = result.rowcount

    move("contacts", Contact.company_id)
    move("deals", Deal.company_id)
    move("leads", Lead.company_id)
    move("meetings", Meeting.company_id)
    move("tasks", Task.company_id)
    move("notes", Note.company_id)
    move("titles", Title.rights_holder_id)
    move("events_organised", Event.organiser_id)

    # Co-production shares: one row per deal and company; a deal where both were
    # partners keeps the source's row (rare, and visible on the deal).
    already = sa.select(CoproductionPartner.deal_id).where(CoproductionPartner.company_id == target.id)
    result = db.session.execute(
        sa.update(CoproductionPartner)
        .where(CoproductionPartner.company_id == source.id, CoproductionPartner.deal_id.not_in(already))
        .values(company_id=target.id),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount:
        moved["coproduction_partners"] = result.rowcount

    # Event attendance: add the target where it is missing, then drop the source.
    target_events = sa.select(event_companies.c.event_id).where(event_companies.c.company_id == target.id)
    missing = db.session.scalars(
        sa.select(event_companies.c.event_id).where(
            event_companies.c.company_id == source.id, event_companies.c.event_id.not_in(target_events)
        )
    ).all()
    if missing:
        db.session.execute(event_companies.insert(), [{"event_id": e, "company_id": target.id} for e in missing])
    result = db.session.execute(event_companies.delete().where(event_companies.c.company_id == source.id))
    if result.rowcount:
        moved["events_attended"] = result.rowcount

    filled = {}
    for name in MERGE_FILL_FIELDS:
        if not getattr(target, name) and getattr(source, name):
            filled[name] = getattr(source, name)
    if target.kind == CompanyKind.OTHER and source.kind != CompanyKind.OTHER:
        filled["kind"] = source.kind
    if source.notes and source.notes != target.notes:
        filled["notes"] = "\n\n".join(n for n in (target.notes, source.notes) if n)
    changes = _apply(target, filled)

    archive(source)
    db.session.flush()
    db.session.expire_all()  # bulk updates bypassed the identity map
    _audit("merge", target, user, ip, {"merged_from": source.id, "moved": moved, "filled": changes})
    _audit("merge_into", source, user, ip, {"merged_into": target.id, "moved": moved})
    return moved


# -- contacts ----------------------------------------------------------------

def create_contact(user, ip: str | None = None, **fields) -> Contact:
    values = _normalise(Contact, fields, CONTACT_FIELDS)
    _require_name(values)
    contact = Contact(**values)
    db.session.add(contact)
    db.session.flush()
    _audit("create", contact, user, ip, {k: _json(v) for k, v in values.items() if v is not None})
    return contact


def update_contact(contact: Contact, user, ip: str | None = None, **fields) -> dict:
    values = _normalise(Contact, fields, CONTACT_FIELDS)
    _require_name({"name_en": contact.name_en, "name_zh": contact.name_zh, **values})
    changes = _apply(contact, values)
    if changes:
        db.session.flush()
        _audit("update", contact, user, ip, changes)
    return changes


# -- either ------------------------------------------------------------------

def archive_record(obj: Company | Contact, user, ip: str | None = None) -> bool:
    """Archive; False when it already was."""
    if obj.archived_at is not None:
        return False
    archive(obj)
    _audit("archive", obj, user, ip)
    return True


def restore_record(obj: Company | Contact, user, ip: str | None = None) -> bool:
    if obj.archived_at is None:
        return False
    restore(obj)
    _audit("restore", obj, user, ip)
    return True


def delete_record(obj: Company | Contact, user, ip: str | None = None) -> dict[str, int]:
    """Hard-delete ``obj`` (the caller checks the user is an admin). Returns the
    blocking dependents, {} when it was deleted."""
    table, ident = obj.__tablename__, obj.id
    names = {"name_en": obj.name_en, "name_zh": obj.name_zh}
    blocking = hard_delete(obj)
    if not blocking:
        entry = record("delete", user_id=getattr(user, "id", None), changes=names, ip=ip)
        entry.entity_type, entry.entity_id = table, ident
        db.session.flush()
    return blocking


def add_record_note(obj: Company | Contact, user, body: str, ip: str | None = None):
    key = "company_id" if isinstance(obj, Company) else "contact_id"
    note = add_note(author=user, body=body, **{key: obj.id})
    _audit("create", note, user, ip, {key: obj.id})
    return note


# Table names in records.dependents() → a countable phrase in the UI language.
_DEPENDENT_LABELS = {
    "contacts": lambda n: ngettext("%(num)d contact", "%(num)d contacts", n),
    "deals": lambda n: ngettext("%(num)d deal", "%(num)d deals", n),
    "leads": lambda n: ngettext("%(num)d lead", "%(num)d leads", n),
    "meetings": lambda n: ngettext("%(num)d meeting", "%(num)d meetings", n),
    "tasks": lambda n: ngettext("%(num)d task", "%(num)d tasks", n),
    "notes": lambda n: ngettext("%(num)d note", "%(num)d notes", n),
    "titles": lambda n: ngettext("%(num)d title", "%(num)d titles", n),
    "events": lambda n: ngettext("%(num)d event (as organiser)", "%(num)d events (as organiser)", n),
    "events_organised": lambda n: ngettext("%(num)d event (as organiser)", "%(num)d events (as organiser)", n),
    "events_attended": lambda n: ngettext("%(num)d event attended", "%(num)d events attended", n),
    "coproduction_partners": lambda n: ngettext(
        "%(num)d co-production share", "%(num)d co-production shares", n),
    "deal_contacts": lambda n: ngettext("%(num)d deal (as a contact)", "%(num)d deals (as a contact)", n),
}


def describe_dependents(found: dict[str, int]) -> str:
    """{"contacts": 3, "deals": 2} → "3 contacts and 2 deals" in the UI language."""
    parts = []
    for table, count in found.items():
        label = _DEPENDENT_LABELS.get(table)
        parts.append(label(count) if label else ngettext("%(num)d linked record", "%(num)d linked records", count))
    return format_list(parts, locale=str(get_locale())) if parts else ""


def record_dependents(obj: Company | Contact) -> dict[str, int]:
    return dependents(obj)
