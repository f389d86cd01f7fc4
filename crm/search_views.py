"""The global search page (/search?q=...): one box, results grouped by kind.

Companies, contacts, titles and events (the shared address book) match by the
indexed terms of search.py; leads, deals and meetings match through their
company and are limited to what the user may see (permissions.scope). Each
group shows at most GROUP_LIMIT rows with a link to the full list filtered by
the same query. One query per group, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from .companies.models import Company, Contact
from .deals.models import Deal
from .events.models import Event
from .extensions import db
from .i18n import lazy_gettext as _l
from .i18n import ui_lang
from .leads.models import Lead
from .meetings.models import Meeting
from .model_mixins import name_order
from .permissions import scope
from .search import normalise_query, search_clause
from .titles.models import Title

bp = Blueprint("search", __name__, url_prefix="/search")

GROUP_LIMIT = 10


@dataclass
class Group:
    key: str  # also the template partial that renders a row
    label: object
    items: list
    more: bool  # more rows than shown: the full list has them
    list_endpoint: str



def _address_book(model, q: str, lang: str, *options) -> sa.Select:
    return (
        sa.select(model)
        .options(*options)
        .where(model.archived_at.is_(None), search_clause(model, q))
        .order_by(*name_order(model, lang))
    )


def global_search(user, q: str, lang: str = "en", limit: int = GROUP_LIMIT) -> list[Group]:
    """Matching records of each kind ``user`` may see; empty groups are dropped."""
    q = normalise_query(q)
    if not q:
        return []
    owned = lambda stmt, model: scope(stmt.where(model.archived_at.is_(None), search_clause(model, q)),  # noqa: E731
                                      model, user)
    specs = [
        ("companies", _l("Companies"), _address_book(Company, q, lang), "companies.index"),
        ("contacts", _l("Contacts"), _address_book(Contact, q, lang, joinedload(Contact.company)), "contacts.index"),
        ("titles", _l("Titles"), _address_book(Title, q, lang), "titles.index"),
        ("events", _l("Events"), _address_book(Event, q, lang).order_by(None).order_by(Event.start_date.desc(),
                                                                                        Event.id.desc()),
         "events.index"),
        ("leads", _l("Leads"),
         owned(sa.select(Lead).options(joinedload(Lead.company), joinedload(Lead.owner)), Lead)
         .order_by(Lead.created_at.desc(), Lead.id.desc()), "leads.index"),
        ("deals", _l("Deals"),
         owned(sa.select(Deal).options(joinedload(Deal.company), joinedload(Deal.stage), joinedload(Deal.owner)),
               Deal).order_by(Deal.updated_at.desc(), Deal.id.desc()), "deals.index"),
        ("meetings", _l("Meetings"),
         owned(sa.select(Meeting).options(joinedload(Meeting.company), joinedload(Meeting.owner),
                                          joinedload(Meeting.event)), Meeting)
         .order_by(Meeting.starts_at.desc(), Meeting.id.desc()), "meetings.index"),
    ]
    groups = []
    for key, label, stmt, endpoint in specs:
        rows = db.session.scalars(stmt.limit(limit + 1)).unique().all()
        if rows:
            groups.append(Group(key, label, rows[:limit], len(rows) > limit, endpoint))
    return groups


@bp.route("/")
@login_required
def index():
    """Search every kind of record the user may see."""
    q = normalise_query(request.args.get("q"))
    groups = global_search(current_user, q, ui_lang())
    return render_template("search/index.html", q=q, groups=groups)
