"""The main navigation, in the order the header shows it."""

from flask import current_app, request

from .i18n import lazy_gettext as _l

NAV = [
    ("main.dashboard", _l("Dashboard")),
    ("dashboards.index", _l("Reports")),
    ("deals.pipeline", _l("Pipeline")),
    ("deals.index", _l("Deals")),
    ("leads.index", _l("Leads")),
    ("companies.index", _l("Companies")),
    ("contacts.index", _l("Contacts")),
    ("meetings.index", _l("Meetings")),
    ("events.index", _l("Events")),
    ("titles.index", _l("Titles")),
]


def nav_items():
    """(endpoint, label, active) for each section the app serves."""
    current = request.endpoint or ""
    section = current.split(".")[0]
    items = []
    for endpoint, label in NAV:
        if endpoint not in current_app.view_functions:
            continue
        active = current == endpoint or (endpoint.split(".")[0] == section and endpoint != "deals.pipeline"
                                         and current != "deals.pipeline" and section != "main")
        items.append((endpoint, label, active))
    return items
