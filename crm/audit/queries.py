"""Reading the audit log: filters (all optional) and labels for what it records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..i18n import lazy_gettext as _l
from .models import AuditEntry

ACTIONS = {
    "login": _l("Signed in"),
    "login_failed": _l("Failed sign-in"),
    "login_throttled": _l("Sign-in refused (too many failures)"),
    "create": _l("Created"),
    "update": _l("Changed"),
    "archive": _l("Archived"),
    "restore": _l("Restored"),
    "delete": _l("Deleted"),
    "move": _l("Moved to a stage"),
    "convert": _l("Converted"),
    "disqualify": _l("Disqualified"),
    "generate": _l("Generated a term sheet"),
    "import": _l("Imported"),
    "export": _l("Exported"),
    "note": _l("Added a note"),
    "outcome": _l("Logged a meeting outcome"),
    "add_attendee": _l("Added an attendee"),
    "remove_attendee": _l("Removed an attendee"),
    "revoke": _l("Revoked"),
}
ENTITIES = {
    "users": _l("User"),
    "companies": _l("Company"),
    "contacts": _l("Contact"),
    "titles": _l("Title"),
    "events": _l("Event"),
    "meetings": _l("Meeting"),
    "leads": _l("Lead"),
    "deals": _l("Deal"),
    "tasks": _l("Task"),
    "term_sheets": _l("Term sheet"),
    "exchange_rates": _l("Exchange rate"),
    "pipeline_stages": _l("Pipeline stage"),
}


@dataclass
class AuditFilters:
    action: str | None = None
    user_id: int | None = None
    entity_type: str | None = None
    start: dt.datetime | None = None  # UTC, inclusive
    end: dt.datetime | None = None  # UTC, exclusive


def audit_query(filters: AuditFilters) -> sa.Select:
    """Audit entries matching ``filters``, newest first."""
    stmt = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.user_id:
        stmt = stmt.where(AuditEntry.user_id == filters.user_id)
    if filters.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
    if filters.start:
        stmt = stmt.where(AuditEntry.at >= filters.start)
    if filters.end:
        stmt = stmt.where(AuditEntry.at < filters.end)
    return stmt


def describe_changes(changes) -> str:
    """``{"role": "rep"}`` → ``role: rep`` on one line (shown escaped, never as markup)."""
    if not changes:
        return ""
    if not isinstance(changes, dict):
        return str(changes)
    return "; ".join(f"{key}: {value}" for key, value in changes.items())
