"""Write-side rules for meetings (no request needed): create, edit, archive,
delete, notes, and logging a meeting's outcome in one step.

Times: a meeting's start is entered on the event's clock when it belongs to an
event (a market schedule is read in local time), else on the user's clock, and
is stored as UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.numbers import list_currencies

from ..audit.models import record
from ..auth.models import User
from ..companies.models import Contact
from ..deals.models import Deal
from ..deals.stages import stages_for_type
from ..enums import DealType, LeadSource, MeetingStatus
from ..events.models import Event
from ..events.queries import event_zone
from ..events.services import audit_value
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..i18n import user_zone
from ..leads.models import Lead
from ..leads.services import LeadError, convert_lead, create_lead
from ..records import archive, hard_delete, restore
from ..tasks.models import Note, Task
from ..tasks.services import add_note, create_task
from .models import Meeting

MEETING_FIELDS = ("event_id", "company_id", "starts_at", "duration_minutes", "location", "status", "notes",
                  "interest_level", "next_step", "follow_up_date")
OUTCOME_STATUSES = (MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED)
MAX_DURATION = 24 * 60


class MeetingError(ValueError):
    """Rules a meeting change broke: ``errors`` maps form field names to lazy, translatable messages."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


# --- time zones ---------------------------------------------------------------

def entry_zone(event: Event | None, user) -> ZoneInfo:
    """The clock a meeting's start is entered and shown on: the event's, else the user's."""
    return event_zone(event) if event is not None else user_zone(user)


def local_to_utc(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock date and time in ``zone`` as an aware UTC datetime (09:30 Asia/Shanghai → 01:30Z)."""
    return dt.datetime.combine(day, time.replace(tzinfo=None), tzinfo=zone).astimezone(dt.UTC)


def utc_to_local(value: dt.datetime, zone: ZoneInfo) -> tuple[dt.date, dt.time]:
    local = value.astimezone(zone)
    return local.date(), local.time().replace(tzinfo=None, second=0, microsecond=0)


# --- create / edit --------------------------------------------------------------

def _clean(fields: dict) -> dict:
    out = {}
    for name in MEETING_FIELDS:
        if name in fields:
            value = fields[name]
            if isinstance(value, str):
                value = value.strip() or None
            out[name] = value
    if out.get("status") is not None:
        out["status"] = MeetingStatus(out["status"])
    return out


def check_meeting(fields: dict, contacts: list[Contact]) -> None:
    errors = {}
    starts_at = fields.get("starts_at")
    if starts_at is None:
        errors["start_date"] = _l("Enter the date and time the meeting starts.")
    elif starts_at.tzinfo is None:
        raise ValueError("starts_at must be an aware datetime")
    duration = fields.get("duration_minutes")
    if duration is None or not 0 < duration <= MAX_DURATION:
        errors["duration_minutes"] = _l("Enter a duration between 1 and 1440 minutes.")
    level = fields.get("interest_level")
    if level is not None and not 1 <= level <= 5:
        errors["interest_level"] = _l("Choose an interest level from 1 to 5.")
    company_id = fields.get("company_id")
    if any(c.company_id != company_id for c in contacts):
        errors["contacts"] = _l("Choose contacts who work at the meeting's company.")
    if errors:
        raise MeetingError(errors)


def create_meeting(user, *, owner: User, users: list[User] = (), contacts: list[Contact] = (),
                   ip: str | None = None, **fields) -> Meeting:
    """A new meeting owned by ``owner``; ``users`` is our team (the owner is always in it)."""
    fields = _clean(fields)
    fields.setdefault("duration_minutes", 30)
    contacts = list(contacts)
    check_meeting(fields, contacts)
    team = list(users)
    if all(u.id != owner.id for u in team):
        team.insert(0, owner)
    meeting = Meeting(owner_id=owner.id, users=team, contacts=contacts, **fields)
    db.session.add(meeting)
    db.session.flush()
    changes = {k: audit_value(v) for k, v in fields.items() if v is not None}
    changes |= {"owner_id": owner.id, "user_ids": [u.id for u in team], "contact_ids": [c.id for c in contacts]}
    record("create", user_id=user.id, entity=meeting, ip=ip, changes=changes)
    return meeting


def update_meeting(meeting: Meeting, user, *, owner: User | None = None, users: list[User] | None = None,
                   contacts: list[Contact] | None = None, ip: str | None = None, **fields) -> dict:
    """Apply the changes; returns {field: [old, new]} of what changed (also audited)."""
    fields = _clean(fields)
    merged = {name: getattr(meeting, name) for name in MEETING_FIELDS} | fields
    check_meeting(merged, list(contacts) if contacts is not None else list(meeting.contacts))
    changes = {}
    for name, value in fields.items():
        old = getattr(meeting, name)
        if old != value:
            changes[name] = [audit_value(old), audit_value(value)]
            setattr(meeting, name, value)
    if owner is not None and owner.id != meeting.owner_id:
        changes["owner_id"] = [meeting.owner_id, owner.id]
        meeting.owner_id = owner.id
        meeting.owner = owner
    if users is not None:
        team = list(users)
        owner_id = meeting.owner_id
        if all(u.id != owner_id for u in team):
            team.insert(0, owner if owner is not None else db.session.get(User, owner_id))
        old_ids, new_ids = sorted(u.id for u in meeting.users), sorted(u.id for u in team)
        if old_ids != new_ids:
            changes["user_ids"] = [old_ids, new_ids]
            meeting.users = team
    if contacts is not None:
        old_ids, new_ids = sorted(c.id for c in meeting.contacts), sorted(c.id for c in contacts)
        if old_ids != new_ids:
            changes["contact_ids"] = [old_ids, new_ids]
            meeting.contacts = list(contacts)
    if changes:
        db.session.flush()
        record("update", user_id=user.id, entity=meeting, ip=ip, changes=changes)
    return changes


def archive_meeting(meeting: Meeting, user, *, ip: str | None = None) -> None:
    archive(meeting)
    record("archive", user_id=user.id, entity=meeting, ip=ip)


def restore_meeting(meeting: Meeting, user, *, ip: str | None = None) -> None:
    restore(meeting)
    record("restore", user_id=user.id, entity=meeting, ip=ip)


def delete_meeting(meeting: Meeting, user, *, ip: str | None = None) -> dict[str, int]:
    """Hard delete (the view allows admins only); returns what blocks it, if anything."""
    blocking = hard_delete(meeting)
    if not blocking:
        record("delete", user_id=user.id, entity=meeting, ip=ip,
               changes={"starts_at": audit_value(meeting.starts_at), "company_id": meeting.company_id})
    return blocking


def add_meeting_note(meeting: Meeting, user, body: str, *, ip: str | None = None) -> Note:
    if not (body or "").strip():
        raise MeetingError({"body": _l("Write the note first.")})
    note = add_note(author=user, body=body, meeting_id=meeting.id)
    record("note", user_id=user.id, entity=meeting, ip=ip, changes={"note_id": note.id})
    return note


# --- outcome ----------------------------------------------------------------------

@dataclass
class LeadRequest:
    deal_type: DealType | str | None = None
    summary: str | None = None


@dataclass
class DealRequest:
    deal_type: DealType | str | None = None
    amount: Decimal | None = None
    currency: str | None = None


@dataclass
class TaskRequest:
    subject: str | None = None
    due_on: dt.date | None = None


@dataclass
class Outcome:
    meeting: Meeting
    lead: Lead | None = None
    deal: Deal | None = None
    task: Task | None = None
    changes: dict = field(default_factory=dict)


def _deal_type(value, errors: dict, key: str, required: bool) -> DealType | None:
    if value in (None, ""):
        if required:
            errors[key] = _l("Choose a deal type.")
        return None
    try:
        return DealType(value)
    except ValueError:
        errors[key] = _l("Choose a deal type.")
        return None


def _check_outcome(meeting, status, interest_level, lead, deal, task) -> dict:
    errors = {}
    try:
        status = MeetingStatus(status)
    except ValueError:
        status = None
    if status not in OUTCOME_STATUSES:
        errors["status"] = _l("Choose held, no-show or cancelled.")
    if interest_level is not None and not 1 <= interest_level <= 5:
        errors["interest_level"] = _l("Choose an interest level from 1 to 5.")
    if (lead is not None or deal is not None) and meeting.company_id is None:
        key = "create_lead" if lead is not None else "create_deal"
        errors[key] = _l("This meeting has no company: add one to the meeting before creating a lead or deal.")
    if lead is not None:
        lead.deal_type = _deal_type(lead.deal_type, errors, "lead_deal_type", required=False)
        if lead.summary and len(lead.summary) > 300:
            errors["lead_summary"] = _l("Keep the summary under 300 characters.")
    if deal is not None:
        deal.deal_type = _deal_type(deal.deal_type, errors, "deal_type", required=True)
        if deal.deal_type is not None and not stages_for_type(deal.deal_type):
            errors["deal_type"] = _l("This deal type has no pipeline stages yet: ask an administrator.")
        if deal.amount is None:
            deal.amount = Decimal("0")
        if isinstance(deal.amount, float) or not isinstance(deal.amount, Decimal) or not deal.amount.is_finite():
            errors["deal_amount"] = _l("Enter an amount such as 250000 or 250000.50.")
        elif deal.amount < 0:
            errors["deal_amount"] = _l("The amount cannot be negative.")
        elif deal.amount >= Decimal("1e13"):
            errors["deal_amount"] = _l("The amount is too large.")
        currency = (deal.currency or "").strip().upper()
        if currency not in list_currencies():
            errors["deal_currency"] = _l("Choose a currency.")
        deal.currency = currency
    if task is not None:
        task.subject = (task.subject or "").strip()
        if not task.subject:
            errors["task_subject"] = _l("Enter what needs doing.")
        elif len(task.subject) > 300:
            errors["task_subject"] = _l("Keep the task under 300 characters.")
    return errors


def log_outcome(meeting: Meeting, user, *, status: MeetingStatus | str, notes: str | None = None,
                interest_level: int | None = None, next_step: str | None = None,
                follow_up_date: dt.date | None = None, lead: LeadRequest | None = None,
                deal: DealRequest | None = None, task: TaskRequest | None = None,
                ip: str | None = None) -> Outcome:
    """Record how a meeting went and, optionally, the lead, deal and follow-up task
    that came out of it, all or nothing.

    A wanted deal is made by creating the lead and converting it, so the deal
    carries the company, contact, event and meeting. The lead, deal and task
    belong to the meeting's owner. The task hangs off the deal, else the lead,
    else the meeting. Raises MeetingError (nothing written) when any part is
    invalid; the caller commits on success.
    """
    errors = _check_outcome(meeting, status, interest_level, lead, deal, task)
    if next_step and len(next_step) > 300:
        errors["next_step"] = _l("Keep the next step under 300 characters.")
    if errors:
        raise MeetingError(errors)
    try:
        outcome = _write_outcome(meeting, user, MeetingStatus(status), notes, interest_level, next_step,
                                 follow_up_date, lead, deal, task)
        record("outcome", user_id=user.id, entity=meeting, ip=ip, changes=outcome.changes)
        db.session.flush()
    except LeadError as exc:
        db.session.rollback()
        raise MeetingError({"create_deal": exc.args[0]}) from exc
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        raise
    return outcome


def _write_outcome(meeting, user, status, notes, interest_level, next_step, follow_up_date,
                   lead_req, deal_req, task_req) -> Outcome:
    outcome = Outcome(meeting)
    values = {"status": status, "notes": (notes or "").strip() or None, "interest_level": interest_level,
              "next_step": (next_step or "").strip() or None, "follow_up_date": follow_up_date}
    for name, value in values.items():
        old = getattr(meeting, name)
        if old != value:
            outcome.changes[name] = [audit_value(old), audit_value(value)]
            setattr(meeting, name, value)
    owner = meeting.owner
    if lead_req is not None or deal_req is not None:
        lead_req = lead_req or LeadRequest()
        contact = meeting.contacts[0] if meeting.contacts else None
        lead_type = lead_req.deal_type or (deal_req.deal_type if deal_req else None)
        outcome.lead = create_lead(
            owner=owner, company_id=meeting.company_id, contact_id=contact.id if contact else None,
            source=LeadSource.MEETING, event_id=meeting.event_id, meeting_id=meeting.id, deal_type=lead_type,
            summary=(lead_req.summary or "").strip() or None, notes=values["notes"],
        )
        outcome.changes["lead_id"] = outcome.lead.id
        if deal_req is not None:
            outcome.deal = convert_lead(outcome.lead, user, deal_type=deal_req.deal_type, currency=deal_req.currency,
                                        amount=deal_req.amount)
            outcome.changes["deal_id"] = outcome.deal.id
    if task_req is not None:
        if outcome.deal is not None:
            subject = {"deal_id": outcome.deal.id}
        elif outcome.lead is not None:
            subject = {"lead_id": outcome.lead.id}
        else:
            subject = {"meeting_id": meeting.id}
        outcome.task = create_task(owner=owner, subject=task_req.subject, due_on=task_req.due_on, **subject)
        outcome.changes["task_id"] = outcome.task.id
    return outcome
