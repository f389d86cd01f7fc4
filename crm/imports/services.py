"""Importing companies, contacts, leads and meeting schedules.

Two steps, both plain functions that need an app context but no request:

* ``plan_import`` validates every row and decides, without writing, what each
  good row will do: which companies and contacts will be created, which rows
  match existing records (by ``normalise_company_name`` in either language,
  as ``find_duplicate_companies`` does; contacts by email or WeChat ID, as
  ``find_duplicate_contacts`` does, then by name at the same company), and
  which rows repeat an earlier row or an existing lead or meeting. Existing
  keys are loaded once into dicts, so a 10,000-row file costs a handful of
  queries.
* ``run_import`` plans again against the database as it is now, then writes
  the whole plan into the current transaction in chunks (``add_all`` + one
  flush per chunk). In "reject" mode a file with any bad row writes nothing;
  in "skip" mode only good rows are written. Validation happens before the
  first write, so a file is never half-imported; if the database still
  refuses something, the caller rolls the transaction back (the view does).
  The caller commits.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..auth.models import User
from ..companies.duplicates import normalise_company_name
from ..companies.models import Company, Contact
from ..enums import CompanyKind, DealType, Genre, LeadSource, LeadStatus, MeetingStatus
from ..events.models import Event, event_companies
from ..extensions import db
from ..leads.models import Lead
from ..meetings.models import Meeting, meeting_contacts, meeting_users
from . import values as cells
from .mapping import KINDS, check_mapping, columns_by_field
from .parsing import Table

MODES = ("skip", "reject")
# Company names repeat on many rows of an attendee list: normalise each distinct name once.
_normalised = functools.lru_cache(maxsize=65536)(normalise_company_name)
CHUNK = 500  # rows per flush: small enough that per-flush listeners (search index) stay cheap
DEFAULT_DURATION = 30
LIMITS = {"company_en": 200, "company_zh": 200, "city": 120, "website": 300, "name_en": 200, "name_zh": 200,
          "title": 200, "phone": 64, "wechat": 64, "location": 120, "summary": 300}


class ImportRunError(ValueError):
    """The import cannot run (bad mapping, missing event); ``args[0]`` is a translated message."""


@dataclass
class Problem:
    row: int
    column: str
    message: str
    # ("company" | "contact" | "lead" | "meeting", id) of an existing record the row matched, for a link.
    link: tuple[str, int] | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(eq=False)  # compared and hashed by identity
class NewCompany:
    name_en: str | None
    name_zh: str | None
    country: str | None = None
    city: str | None = None
    kind: CompanyKind = CompanyKind.OTHER
    website: str | None = None
    notes: str | None = None
    rows: list[int] = field(default_factory=list)
    obj: Company | None = None

    @property
    def label(self) -> str:
        return " · ".join(n for n in (self.name_en, self.name_zh) if n)


@dataclass(eq=False)
class NewContact:
    company: tuple | None  # ("id", company id) or ("new", NewCompany)
    name_en: str | None = None
    name_zh: str | None = None
    job_title_en: str | None = None
    job_title_zh: str | None = None
    email: str | None = None
    phone: str | None = None
    wechat_id: str | None = None
    notes: str | None = None
    rows: list[int] = field(default_factory=list)
    obj: Contact | None = None

    @property
    def label(self) -> str:
        name = " · ".join(n for n in (self.name_en, self.name_zh) if n)
        return f"{name} <{self.email}>" if self.email else name


@dataclass
class Matched:
    id: int
    label: str
    rows: list[int] = field(default_factory=list)


@dataclass
class Plan:
    kind: str
    total_rows: int
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    duplicate_rows: set[int] = field(default_factory=set)
    new_companies: list[NewCompany] = field(default_factory=list)
    matched_companies: dict[int, Matched] = field(default_factory=dict)
    new_contacts: list[NewContact] = field(default_factory=list)
    matched_contacts: dict[int, Matched] = field(default_factory=dict)
    leads: list[dict] = field(default_factory=list)
    meetings: list[dict] = field(default_factory=list)
    event_links: set[tuple] = field(default_factory=set)  # (event id, company ref)
    event_id: int | None = None

    @property
    def good_rows(self) -> int:
        return self.total_rows - len(self.bad_rows)

    @property
    def importable_rows(self) -> int:
        return self.total_rows - len(self.bad_rows) - len(self.duplicate_rows)


@dataclass
class Result:
    kind: str
    mode: str
    total_rows: int
    written: bool
    created: dict[str, int]
    matched: dict[str, int]
    skipped_rows: int
    duplicate_rows: int
    errors: list[Problem]
    warnings: list[Problem]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["errors"] = [p.as_dict() for p in self.errors]
        data["warnings"] = [p.as_dict() for p in self.warnings]
        return data


# ---------------------------------------------------------------- planning


class _Planner:
    def __init__(self, kind: str, table: Table, mapping: list[str], user, event: Event | None):
        self.kind = kind
        self.table = table
        self.user = user
        self.event = event
        self.columns = columns_by_field(mapping)
        self.plan = Plan(kind=kind, total_rows=len(table.rows), event_id=event.id if event is not None else None)
        self.countries = cells.Countries()
        self.company_kinds = cells.EnumLookup(CompanyKind, cells.COMPANY_KIND_SYNONYMS)
        self._load()

    # -- preloading: one query per index, never one per row

    def _load(self) -> None:
        self.company_by_key: dict[str, int] = {}
        self.company_label: dict[int, str] = {}
        for cid, en, zh in db.session.execute(sa.select(Company.id, Company.name_en, Company.name_zh)
                                              .order_by(Company.id)):
            for name in (en, zh):
                k = _normalised(name)
                if k:
                    self.company_by_key.setdefault(k, cid)
            self.company_label[cid] = " · ".join(n for n in (en, zh) if n)
        self.new_company_by_key: dict[str, NewCompany] = {}

        self.contact_by_email: dict[str, int] = {}
        self.contact_by_wechat: dict[str, int] = {}
        self.contact_by_name: dict[tuple, int] = {}
        self.contact_label: dict[int, str] = {}
        if self.kind != "companies":
            rows = db.session.execute(sa.select(Contact.id, Contact.email, Contact.wechat_id, Contact.company_id,
                                                Contact.name_en, Contact.name_zh).order_by(Contact.id))
            for cid, email, wechat, company_id, en, zh in rows:
                if email:
                    self.contact_by_email.setdefault(email.strip().lower(), cid)
                if wechat:
                    self.contact_by_wechat.setdefault(wechat.strip(), cid)
                for name in (en, zh):
                    if name and company_id:
                        self.contact_by_name.setdefault((("id", company_id), cells.key(name)), cid)
                label = " · ".join(n for n in (en, zh) if n)
                self.contact_label[cid] = f"{label} <{email}>" if email else label
        self.new_contact_by_email: dict[str, NewContact] = {}
        self.new_contact_by_wechat: dict[str, NewContact] = {}
        self.new_contact_by_name: dict[tuple, NewContact] = {}

        if self.kind == "leads":
            self.events: dict[str, int] = {}
            for eid, en, zh in db.session.execute(sa.select(Event.id, Event.name_en, Event.name_zh)):
                for name in (en, zh):
                    if name:
                        self.events.setdefault(cells.key(name), eid)
            self.existing_leads: dict[tuple, int] = {}
            stmt = sa.select(Lead.id, Lead.company_id, Lead.contact_id).where(
                Lead.owner_id == self.user.id, Lead.status.in_([LeadStatus.NEW, LeadStatus.QUALIFIED]),
                Lead.archived_at.is_(None))
            for lid, company_id, contact_id in db.session.execute(stmt):
                self.existing_leads.setdefault((("id", company_id), ("id", contact_id) if contact_id else None), lid)
            self.deal_types = cells.EnumLookup(DealType, cells.DEAL_TYPE_SYNONYMS)
            self.genres = cells.EnumLookup(Genre, cells.GENRE_SYNONYMS)
        if self.kind in ("leads", "meetings") and self.event is not None:
            self.event_company_ids = set(db.session.scalars(
                sa.select(event_companies.c.company_id).where(event_companies.c.event_id == self.event.id)))
        if self.kind == "meetings":
            self.users = {email.lower(): (uid, active) for uid, email, active in
                          db.session.execute(sa.select(User.id, User.email, User.active))}
            self.zone = ZoneInfo(self.event.timezone)
            self.existing_meetings: dict[tuple, int] = {}
            stmt = sa.select(Meeting.id, Meeting.company_id, Meeting.starts_at).where(
                Meeting.event_id == self.event.id, Meeting.archived_at.is_(None))
            for mid, company_id, starts_at in db.session.execute(stmt):
                self.existing_meetings.setdefault((("id", company_id), starts_at), mid)
        self.seen: dict[tuple, int] = {}  # row identity -> first row number, for in-file duplicates

    # -- helpers

    def header(self, *fields: str) -> str:
        names = [self.table.headers[self.columns[f]] for f in fields if f in self.columns]
        return " / ".join(names) or "—"

    def run(self) -> Plan:
        handler = getattr(self, f"_row_{self.kind}")
        for row in self.table.rows:
            values = {f: row.values[i] for f, i in self.columns.items()}
            errors: list[Problem] = []
            handler(row.number, values, errors)
            if errors:
                self.plan.errors.extend(errors)
                self.plan.bad_rows.add(row.number)
        return self.plan

    def value(self, values, f, errors, row, parser=None, limit=None):
        """The cleaned value of field ``f`` (None if empty); a parse error is recorded, not raised."""
        raw = values.get(f, "")
        if not raw:
            return None
        try:
            if limit:
                cells.check_length(raw, limit)
            return parser(raw) if parser else raw
        except cells.CellError as exc:
            errors.append(Problem(row, self.header(f), str(exc.args[0])))
            return None

    def warn(self, row, fields, message, link=None):
        self.plan.warnings.append(Problem(row, self.header(*fields) if fields else "—", message, link))

    def duplicate(self, identity: tuple, row: int, fields) -> bool:
        """True (and a warning) if an earlier row of the file had the same ``identity``."""
        first = self.seen.setdefault(identity, row)
        if first != row:
            self.warn(row, fields, _("Same as row %(row)d: imported once.", row=first))
            return True
        return False

    # -- companies

    def company_fields(self, row, values, errors, required: bool):
        """Validated company fields of a row, or None if the row names no company."""
        en = self.value(values, "company_en", errors, row, limit=200)
        zh = self.value(values, "company_zh", errors, row, limit=200)
        generic = self.value(values, "company", errors, row, limit=200)
        if generic:
            if cells.has_cjk(generic):
                zh = zh or generic
            else:
                en = en or generic
        if not (en or zh):
            if required:
                errors.append(Problem(row, self.header("company", "company_en", "company_zh"),
                                      _("The company name is required.")))
            return None
        if not (_normalised(en) or _normalised(zh)):
            errors.append(Problem(row, self.header("company", "company_en", "company_zh"),
                                  _("“%(value)s” is not a company name.", value=en or zh)))
            return None
        return {
            "name_en": en, "name_zh": zh,
            "country": self.value(values, "country", errors, row, self.countries.parse),
            "city": self.value(values, "city", errors, row, limit=120),
            "kind": self.value(values, "company_kind", errors, row, self.company_kinds.parse) or CompanyKind.OTHER,
            "website": self.value(values, "website", errors, row, limit=300),
        }

    def resolve_company(self, row, fields: dict, *, report_existing: bool, notes=None) -> tuple:
        """("id", existing id) or ("new", NewCompany): matched by normalised name in either language."""
        keys = [k for k in (_normalised(fields["name_en"]), _normalised(fields["name_zh"]))
                if k]
        for k in keys:
            if k in self.company_by_key:
                cid = self.company_by_key[k]
                matched = self.plan.matched_companies.setdefault(cid, Matched(cid, self.company_label[cid]))
                matched.rows.append(row)
                if report_existing:
                    self.warn(row, ("company", "company_en", "company_zh"),
                              _("Already in the CRM: matched to the existing company, not created again."),
                              ("company", cid))
                return ("id", cid)
        for k in keys:
            if k in self.new_company_by_key:
                new = self.new_company_by_key[k]
                new.rows.append(row)
                # fill a name the first row lacked (e.g. the Chinese name given on a later row)
                new.name_en = new.name_en or fields["name_en"]
                new.name_zh = new.name_zh or fields["name_zh"]
                for k2 in keys:
                    self.new_company_by_key.setdefault(k2, new)
                return ("new", new)
        new = NewCompany(notes=notes, rows=[row], **fields)
        self.plan.new_companies.append(new)
        for k in keys:
            self.new_company_by_key[k] = new
        return ("new", new)

    def _row_companies(self, row, values, errors):
        fields = self.company_fields(row, values, errors, required=True)
        notes = self.value(values, "notes", errors, row)
        if errors or fields is None:
            return
        ref = self.resolve_company(row, fields, report_existing=True, notes=notes)
        if ref[0] == "new" and ref[1].rows[0] != row:
            self.plan.duplicate_rows.add(row)
            self.warn(row, ("company", "company_en", "company_zh"),
                      _("Same company as row %(row)d: imported once.", row=ref[1].rows[0]))

    # -- contacts

    def contact_fields(self, row, values, errors, required: bool):
        en = self.value(values, "name_en", errors, row, limit=200)
        zh = self.value(values, "name_zh", errors, row, limit=200)
        generic = self.value(values, "name", errors, row, limit=200)
        first, last = values.get("first_name", ""), values.get("last_name", "")
        if not generic and (first or last):
            generic = (last + first) if cells.has_cjk(first + last) else " ".join(p for p in (first, last) if p)
            generic = self.value({"name": generic}, "name", errors, row, limit=200)
        if generic:
            if cells.has_cjk(generic):
                zh = zh or generic
            else:
                en = en or generic
        email = self.value(values, "email", errors, row, cells.parse_email)
        title = self.value(values, "title", errors, row, limit=200)
        fields = {
            "name_en": en, "name_zh": zh, "email": email,
            "job_title_zh" if cells.has_cjk(title) else "job_title_en": title,
            "phone": self.value(values, "phone", errors, row, limit=64),
            "wechat_id": self.value(values, "wechat", errors, row, limit=64),
        }
        if not (en or zh):
            if required or email or fields["wechat_id"] or fields["phone"] or title:
                errors.append(Problem(row, self.header("name", "name_en", "name_zh", "first_name", "last_name"),
                                      _("The contact's name is required.")))
            return None
        return fields

    def resolve_contact(self, row, fields: dict, company: tuple | None, *, report_existing: bool, notes=None):
        """("id", existing id) or ("new", NewContact)."""
        email = (fields.get("email") or "").lower()
        wechat = fields.get("wechat_id") or ""
        existing = (self.contact_by_email.get(email) if email else None) or (
            self.contact_by_wechat.get(wechat) if wechat else None)
        if existing is None and company is not None and company[0] == "id":
            for name in (fields.get("name_en"), fields.get("name_zh")):
                if name and (company, cells.key(name)) in self.contact_by_name:
                    existing = self.contact_by_name[(company, cells.key(name))]
                    break
        if existing is not None:
            matched = self.plan.matched_contacts.setdefault(existing, Matched(existing, self.contact_label[existing]))
            matched.rows.append(row)
            if report_existing:
                self.warn(row, ("email", "wechat", "name"),
                          _("Already in the CRM: matched to the existing contact, not created again."),
                          ("contact", existing))
            return ("id", existing)
        new = (self.new_contact_by_email.get(email) if email else None) or (
            self.new_contact_by_wechat.get(wechat) if wechat else None)
        if new is None and company is not None:
            for name in (fields.get("name_en"), fields.get("name_zh")):
                if name and (_ref_key(company), cells.key(name)) in self.new_contact_by_name:
                    new = self.new_contact_by_name[(_ref_key(company), cells.key(name))]
                    break
        if new is not None:
            new.rows.append(row)
            return ("new", new)
        new = NewContact(company=company, notes=notes, rows=[row], **fields)
        self.plan.new_contacts.append(new)
        if email:
            self.new_contact_by_email[email] = new
        if wechat:
            self.new_contact_by_wechat[wechat] = new
        if company is not None:
            for name in (new.name_en, new.name_zh):
                if name:
                    self.new_contact_by_name[(_ref_key(company), cells.key(name))] = new
        return ("new", new)

    def _row_contacts(self, row, values, errors):
        contact = self.contact_fields(row, values, errors, required=True)
        company = self.company_fields(row, values, errors, required=False)
        notes = self.value(values, "notes", errors, row)
        if errors or contact is None:
            return
        company_ref = self.resolve_company(row, company, report_existing=False) if company else None
        ref = self.resolve_contact(row, contact, company_ref, report_existing=True, notes=notes)
        if ref[0] == "new" and ref[1].rows[0] != row:
            self.plan.duplicate_rows.add(row)
            self.warn(row, ("email", "wechat", "name"),
                      _("Same person as row %(row)d: imported once.", row=ref[1].rows[0]))

    # -- leads

    def _row_leads(self, row, values, errors):
        company = self.company_fields(row, values, errors, required=True)
        contact = self.contact_fields(row, values, errors, required=False)
        event_id = self.event.id if self.event is not None else None
        if name := values.get("event"):
            event_id = self.events.get(cells.key(name))
            if event_id is None:
                errors.append(Problem(row, self.header("event"),
                                      _("Unknown event “%(name)s”: create it first or fix the name.", name=name)))
        lead = {
            "summary": self.value(values, "summary", errors, row, limit=300),
            "notes": self.value(values, "notes", errors, row),
            "deal_type": self.value(values, "deal_type", errors, row, self.deal_types.parse),
            "genre": self.value(values, "genre", errors, row, self.genres.parse),
        }
        if errors or company is None:
            return
        company_ref = self.resolve_company(row, company, report_existing=False)
        contact_ref = self.resolve_contact(row, contact, company_ref, report_existing=False) if contact else None
        identity = ("lead", _ref_key(company_ref), _ref_key(contact_ref))
        if self.duplicate(identity, row, ("company", "company_en", "company_zh")):
            self.plan.duplicate_rows.add(row)
            return
        existing = self.existing_leads.get((company_ref, contact_ref)) if company_ref[0] == "id" and (
            contact_ref is None or contact_ref[0] == "id") else None
        if existing is not None:
            self.plan.duplicate_rows.add(row)
            self.warn(row, ("company", "company_en", "company_zh"),
                      _("You already have an open lead for this company and contact: not created again."),
                      ("lead", existing))
            return
        if event_id is not None:
            self.plan.event_links.add((event_id, company_ref))
        self.plan.leads.append({"row": row, "company": company_ref, "contact": contact_ref, "event_id": event_id,
                                **lead})

    # -- meetings

    def _row_meetings(self, row, values, errors):
        event = self.event
        date_text, start_text, end_text = cells.split_start(values.get("start", ""))
        if values.get("date"):
            date_text = values["date"]
            column = "date"
        else:
            column = "start"
        day = start = None
        if not date_text:
            errors.append(Problem(row, self.header("date"), _("The date is required.")))
        else:
            try:
                day = cells.parse_date(date_text, event.start_date, event.end_date)
                if not event.start_date - dt.timedelta(days=1) <= day <= event.end_date + dt.timedelta(days=1):
                    errors.append(Problem(row, self.header(column), _(
                        "%(date)s is outside the event's dates (%(start)s to %(end)s).", date=day.isoformat(),
                        start=event.start_date.isoformat(), end=event.end_date.isoformat())))
            except cells.CellError as exc:
                errors.append(Problem(row, self.header(column), str(exc.args[0])))
        if not start_text:
            errors.append(Problem(row, self.header("start"), _("The start time is required.")))
        else:
            try:
                start = cells.parse_time(start_text)
            except cells.CellError as exc:
                errors.append(Problem(row, self.header("start"), str(exc.args[0])))
        duration = self.value(values, "duration", errors, row, cells.parse_duration)
        end_text = values.get("end") or end_text
        if duration is None and end_text and start is not None:
            try:
                end = cells.parse_time(end_text)
                duration = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
                if duration <= 0:
                    errors.append(Problem(row, self.header("end") if values.get("end") else self.header("start"),
                                          _("The end time must be after the start time.")))
            except cells.CellError as exc:
                errors.append(Problem(row, self.header("end") if values.get("end") else self.header("start"),
                                      str(exc.args[0])))
        company = self.company_fields(row, values, errors, required=True)
        location = self.value(values, "location", errors, row, limit=120)
        notes = self.value(values, "notes", errors, row)
        people = self._meeting_people(row, values, errors)
        owner_id, user_ids = self._meeting_rep(row, values, errors)
        if errors or company is None:
            return
        starts_at = dt.datetime.combine(day, start, tzinfo=self.zone).astimezone(dt.UTC)
        company_ref = self.resolve_company(row, company, report_existing=False)
        contact_refs = []
        for person in people:
            ref = self.resolve_contact(row, person, company_ref, report_existing=False)
            if ref not in contact_refs:
                contact_refs.append(ref)
        if self.duplicate(("meeting", _ref_key(company_ref), starts_at), row, ("company", "start")):
            self.plan.duplicate_rows.add(row)
            return
        existing = self.existing_meetings.get((company_ref, starts_at)) if company_ref[0] == "id" else None
        if existing is not None:
            self.plan.duplicate_rows.add(row)
            self.warn(row, ("company", "start"),
                      _("This meeting is already in the CRM: not created again."), ("meeting", existing))
            return
        self.plan.event_links.add((event.id, company_ref))
        self.plan.meetings.append({
            "row": row, "company": company_ref, "contacts": contact_refs, "starts_at": starts_at,
            "duration_minutes": duration or DEFAULT_DURATION, "location": location, "notes": notes,
            "owner_id": owner_id, "user_ids": user_ids,
        })

    def _meeting_people(self, row, values, errors) -> list[dict]:
        names = cells.split_list(values.get("contacts", ""))
        emails_raw = cells.split_list(values.get("emails", ""))
        emails = []
        for raw in emails_raw:
            try:
                emails.append(cells.parse_email(raw))
            except cells.CellError as exc:
                errors.append(Problem(row, self.header("emails"), str(exc.args[0])))
        if names and emails and len(names) != len(emails):
            errors.append(Problem(row, self.header("contacts", "emails"), _(
                "%(names)d names but %(emails)d emails: give one email per name, in the same order, or no emails.",
                names=len(names), emails=len(emails))))
            return []
        people = []
        for i in range(max(len(names), len(emails))):
            name = names[i] if i < len(names) else None
            email = emails[i] if i < len(emails) else None
            if name and len(name) > 200:
                errors.append(Problem(row, self.header("contacts"), _("Too long: at most %(max)d characters.",
                                                                       max=200)))
                continue
            if name is None and email.lower() not in self.contact_by_email and \
                    email.lower() not in self.new_contact_by_email:
                errors.append(Problem(row, self.header("emails"), _(
                    "No contact with the email %(email)s: add their name in the contact names column.",
                    email=email)))
                continue
            people.append({"name_zh" if cells.has_cjk(name) else "name_en": name, "email": email})
        return people

    def _meeting_rep(self, row, values, errors) -> tuple[int, list[int]]:
        """(owner id, our users at the meeting). The importer owns the meeting; a manager or admin may
        give it to the rep named in the row instead."""
        me = self.user.id
        email = values.get("rep", "").strip().lower()
        if not email or email == self.user.email.lower():
            return me, [me]
        found = self.users.get(email)
        if found is None or not found[1]:
            errors.append(Problem(row, self.header("rep"), _("No active user has the email %(email)s.",
                                                             email=values["rep"])))
            return me, [me]
        rep_id = found[0]
        if self.user.is_manager:
            return rep_id, [rep_id]
        return me, [me, rep_id]


def _ref_key(ref):
    """A hashable identity for a ("id", n) or ("new", obj) reference."""
    if ref is None:
        return None
    return ref if ref[0] == "id" else ("new", id(ref[1]))


def plan_import(kind: str, table: Table, mapping: list[str], *, user, event: Event | None = None) -> Plan:
    """Validate every row and decide what each would do; writes nothing."""
    if kind not in KINDS:
        raise ImportRunError(_("Unknown kind of import."))
    problems = check_mapping(kind, mapping)
    if problems:
        raise ImportRunError(" ".join(str(p) for p in problems))
    if len(mapping) != len(table.headers):
        raise ImportRunError(_("The column choices do not match the file. Upload it again."))
    if KINDS[kind].needs_event and event is None:
        raise ImportRunError(_("Choose the event this schedule belongs to."))
    return _Planner(kind, table, mapping, user, event).run()


# ---------------------------------------------------------------- writing


def run_import(kind: str, table: Table, mapping: list[str], *, user, event: Event | None = None,
               mode: str = "skip", filename: str | None = None) -> Result:
    """Plan, then write the good rows (all or nothing in "reject" mode) into the current transaction."""
    if mode not in MODES:
        raise ImportRunError(_("Unknown import mode."))
    plan = plan_import(kind, table, mapping, user=user, event=event)
    write = not (mode == "reject" and plan.errors)
    created = dict.fromkeys(("companies", "contacts", "leads", "meetings"), 0)
    if write:
        created = _write(plan, user)
    result = Result(
        kind=kind, mode=mode, total_rows=plan.total_rows, written=write, created=created,
        matched={"companies": len(plan.matched_companies), "contacts": len(plan.matched_contacts)},
        skipped_rows=len(plan.bad_rows) if write else plan.total_rows, duplicate_rows=len(plan.duplicate_rows),
        errors=plan.errors, warnings=plan.warnings,
    )
    if write:
        record("import", user_id=user.id, entity=event if kind == "meetings" else None, changes={
            "kind": kind, "file": filename, "mode": mode, "rows": plan.total_rows, "created": created,
            "matched": result.matched, "skipped": result.skipped_rows, "duplicates": result.duplicate_rows,
        })
        db.session.flush()
    return result


def _chunks(items, size=CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _company_id(ref) -> int | None:
    if ref is None:
        return None
    return ref[1] if ref[0] == "id" else ref[1].obj.id


def _contact_id(ref) -> int | None:
    if ref is None:
        return None
    return ref[1] if ref[0] == "id" else ref[1].obj.id


def _write(plan: Plan, user) -> dict[str, int]:
    session = db.session
    for chunk in _chunks(plan.new_companies):
        for new in chunk:
            new.obj = Company(name_en=new.name_en, name_zh=new.name_zh, country=new.country, city=new.city,
                              kind=new.kind, website=new.website, notes=new.notes)
        session.add_all([n.obj for n in chunk])
        session.flush()
    for chunk in _chunks(plan.new_contacts):
        for new in chunk:
            new.obj = Contact(company_id=_company_id(new.company), name_en=new.name_en, name_zh=new.name_zh,
                              job_title_en=new.job_title_en, job_title_zh=new.job_title_zh, email=new.email,
                              phone=new.phone, wechat_id=new.wechat_id, notes=new.notes)
        session.add_all([n.obj for n in chunk])
        session.flush()
    # Leads are built here rather than with leads.services.create_lead, which flushes once per lead.
    for chunk in _chunks(plan.leads):
        session.add_all([Lead(
            owner_id=user.id, company_id=_company_id(p["company"]), contact_id=_contact_id(p["contact"]),
            event_id=p["event_id"], source=LeadSource.EVENT if p["event_id"] else LeadSource.OTHER,
            status=LeadStatus.NEW, summary=p["summary"], notes=p["notes"], deal_type=p["deal_type"],
            genre=p["genre"],
        ) for p in chunk])
        session.flush()
    for chunk in _chunks(plan.meetings):
        meetings = [Meeting(
            event_id=plan.event_id, owner_id=p["owner_id"], company_id=_company_id(p["company"]),
            starts_at=p["starts_at"], duration_minutes=p["duration_minutes"], location=p["location"],
            notes=p["notes"], status=MeetingStatus.SCHEDULED,
        ) for p in chunk]
        session.add_all(meetings)
        session.flush()
        users = [{"meeting_id": m.id, "user_id": uid} for m, p in zip(meetings, chunk, strict=True)
                 for uid in p["user_ids"]]
        contacts = [{"meeting_id": m.id, "contact_id": _contact_id(ref)} for m, p in zip(meetings, chunk, strict=True)
                    for ref in p["contacts"]]
        if users:
            session.execute(meeting_users.insert(), users)
        if contacts:
            session.execute(meeting_contacts.insert(), contacts)
    links = {(event_id, _company_id(ref)) for event_id, ref in plan.event_links}
    if links:
        stmt = sa.select(event_companies.c.event_id, event_companies.c.company_id).where(
            event_companies.c.event_id.in_({e for e, _c in links}))
        attending = {tuple(r) for r in session.execute(stmt)}
        missing = [{"event_id": e, "company_id": c} for e, c in sorted(links - attending)]
        if missing:
            session.execute(event_companies.insert(), missing)
    return {"companies": len(plan.new_companies), "contacts": len(plan.new_contacts), "leads": len(plan.leads),
            "meetings": len(plan.meetings)}


# ---------------------------------------------------------------- the error report


def report_csv(problems: list[dict] | list[Problem], warnings: list | None = None) -> str:
    """The error report as CSV text (UTF-8 with a BOM so Excel shows Chinese correctly)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Problem"), _("Kind")])
    for kind_label, items in ((_("Error"), problems), (_("Warning"), warnings or [])):
        for p in items:
            p = p.as_dict() if isinstance(p, Problem) else p
            writer.writerow([p["row"], p["column"], p["message"], kind_label])
    return out.getvalue()
