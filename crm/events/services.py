"""Write-side rules for events (no request needed): create, edit, attendance,
archive/restore and delete, each with its audit entry."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..audit.models import record
from ..companies.models import Company
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..records import archive, hard_delete, restore
from .models import Event

EVENT_FIELDS = ("name_en", "name_zh", "city", "venue", "country", "timezone", "start_date", "end_date",
                "organiser_id", "website", "notes")


class EventError(ValueError):
    """A rule an event change broke: ``field`` names the form field, ``message`` is lazy and translatable."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field
        self.message = message


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str | None) -> bool:
    """True for an IANA zone name zoneinfo knows, e.g. "Asia/Shanghai" or "UTC"."""
    if not name or name not in _known_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def audit_value(value):
    """A value as JSON can store it in an audit entry."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime, Decimal)):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return value


def _clean(fields: dict) -> dict:
    out = {}
    for name in EVENT_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if isinstance(value, str):
            value = value.strip() or None
        out[name] = value
    if out.get("country"):
        out["country"] = out["country"].upper()
    return out


def check_event(fields: dict) -> None:
    """Raise EventError for the first broken rule."""
    if not (fields.get("name_en") or fields.get("name_zh")):
        raise EventError("name_en", _l("Enter an English or a Chinese name (or both)."))
    if not is_timezone(fields.get("timezone")):
        raise EventError("timezone", _l("Enter a time zone from the IANA list, e.g. Asia/Shanghai or Europe/Paris."))
    start, end = fields.get("start_date"), fields.get("end_date")
    if start is None:
        raise EventError("start_date", _l("Enter the first day."))
    if end is None:
        raise EventError("end_date", _l("Enter the last day."))
    if end < start:
        raise EventError("end_date", _l("The last day cannot be before the first day."))


def create_event(user, *, ip: str | None = None, **fields) -> Event:
    fields = _clean(fields)
    check_event(fields)
    event = Event(**fields)
    db.session.add(event)
    db.session.flush()
    record("create", user_id=user.id, entity=event, ip=ip,
           changes={k: audit_value(v) for k, v in fields.items() if v is not None})
    return event


def update_event(event: Event, user, *, ip: str | None = None, **fields) -> dict:
    """Apply ``fields``; returns {field: [old, new]} of what changed (also audited)."""
    fields = _clean(fields)
    merged = {name: getattr(event, name) for name in EVENT_FIELDS} | fields
    check_event(merged)
    changes = {}
    for name, value in fields.items():
        old = getattr(event, name)
        if old != value:
            changes[name] = [audit_value(old), audit_value(value)]
            setattr(event, name, value)
    if changes:
        db.session.flush()
        record("update", user_id=user.id, entity=event, ip=ip, changes=changes)
    return changes


def add_attendee(event: Event, company: Company, user, *, ip: str | None = None) -> bool:
    """Record that ``company`` attends ``event``; False if it already did."""
    if any(c.id == company.id for c in event.companies):
        return False
    event.companies.append(company)
    db.session.flush()
    record("add_attendee", user_id=user.id, entity=event, ip=ip, changes={"company_id": company.id})
    return True


def remove_attendee(event: Event, company_id: int, user, *, ip: str | None = None) -> bool:
    kept = [c for c in event.companies if c.id != company_id]
    if len(kept) == len(event.companies):
        return False
    event.companies = kept
    db.session.flush()
    record("remove_attendee", user_id=user.id, entity=event, ip=ip, changes={"company_id": company_id})
    return True


def archive_event(event: Event, user, *, ip: str | None = None) -> None:
    archive(event)
    record("archive", user_id=user.id, entity=event, ip=ip)


def restore_event(event: Event, user, *, ip: str | None = None) -> None:
    restore(event)
    record("restore", user_id=user.id, entity=event, ip=ip)


def delete_event(event: Event, user, *, ip: str | None = None) -> dict[str, int]:
    """Hard delete (admins only: the view checks); returns what blocks it, if anything."""
    name = event.name_en or event.name_zh
    blocking = hard_delete(event)
    if not blocking:
        record("delete", user_id=user.id, entity=event, ip=ip, changes={"name": name})
    return blocking
