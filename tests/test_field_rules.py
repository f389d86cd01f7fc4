"""Field-level rules, generated from the URL map (ASVS 8.2.3, mass assignment): a rep who
re-submits an edit form exactly as the app rendered it, plus an extra field for every
column of the record that the form does not show (owner_id, a deal's frozen fx_rate,
its stage, closed_at, created_at, archived_at...), changes none of those columns.

Every edit route (``<feature>.edit``) outside the admin pages is covered, and the user's
own preferences (role, active, email, password hash, session token). A new edit route
whose record this test does not know fails it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from crm.extensions import db
from tests.html_forms import page_form as _form
from tests.test_access_matrix import world  # noqa: F401 - the fixture: a rep's records of every kind

# Columns a save may change whatever is posted.
CHANGE_ON_SAVE = {"updated_at", "version"}
# What a user fills in first so the record's form saves (a licence needs territories and media).
COMPLETE = {"deals.edit": [("territories", "CN"), ("media", "svod")]}


def _models():
    from crm.auth.models import User
    from crm.companies.models import Company, Contact
    from crm.deals.models import Deal
    from crm.events.models import Event
    from crm.leads.models import Lead
    from crm.meetings.models import Meeting
    from crm.tasks.models import Task
    from crm.titles.models import Title

    return {"company_id": Company, "contact_id": Contact, "title_id": Title, "event_id": Event, "deal_id": Deal,
            "lead_id": Lead, "meeting_id": Meeting, "task_id": Task, "user_id": User}


def _tampered(column, value, other_user_id: int) -> str:
    """A different value for ``column``, as a string a form post could carry."""
    if column.name == "owner_id" or column.name.endswith("_by_id") or column.name == "user_id":
        return str(other_user_id)
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator's underlying type
    if isinstance(kind, sa.Enum):  # another valid value (e.g. a rep's role → "admin")
        current = getattr(value, "value", value)
        return next(v for v in reversed(kind.enums) if v != current)
    try:
        python_type = kind.python_type
    except NotImplementedError:
        python_type = str
    if python_type is bool:
        return "" if value else "y"
    if python_type is int:
        return str((value or 0) + 1)
    if python_type in (Decimal, float):
        return "12.3456"
    if python_type is dt.datetime:
        return "2001-02-03T04:05:06"
    if python_type is dt.date:
        return "2001-02-03"
    return "tampered"


def _snapshot(model, ident) -> dict:
    with db.session.no_autoflush:
        row = db.session.execute(sa.select(model.__table__).where(model.__table__.c.id == ident)).one()
    return dict(row._mapping)


def _edit_rules(app):
    return sorted((r for r in app.url_map.iter_rules()
                   if r.endpoint.endswith(".edit") and not r.endpoint.startswith("admin.")
                   and "POST" in r.methods and not r.rule.startswith("/api/")), key=lambda r: r.rule)


def test_every_edit_route_is_covered(app):
    models = _models()
    unknown = [r.rule for r in _edit_rules(app) if not set(r.arguments) <= models.keys()]
    assert unknown == [], "add the record behind these edit routes to _models()"
    assert len(_edit_rules(app)) >= 8


def _check(app, client, url: str, model, ident, other_user_id: int) -> list[str]:
    form = _form(client, url)
    fields, names = form.fields, form.names
    with app.app_context():
        before = _snapshot(model, ident)
    extra = [(c.name, _tampered(c, before[c.name], other_user_id)) for c in model.__table__.columns
             if c.name not in names]
    assert any(name == "id" for name, _v in extra)
    response = client.post(url, data=MultiDict(fields + extra))
    if response.status_code != 302:
        import re
        errors = re.findall(r'class="(?:field-error|error)[^"]*"[^>]*>([^<]+)<', response.get_data(as_text=True))
        return [f"{url}: the form as rendered did not save ({response.status_code}): {errors} {fields} {extra}"]
    with app.app_context():
        after = _snapshot(model, ident)
    return [f"{url}: {name} changed from {before[name]!r} to {after[name]!r} by an extra field"
            for name, _v in extra if name not in CHANGE_ON_SAVE and after[name] != before[name]]


def test_a_rep_cannot_change_what_the_form_does_not_show(app, client, login, world):  # noqa: F811
    ids, owner, other = world["ids"], world["owner"], world["other"]
    models = _models()
    login(owner)
    problems = []
    for rule in _edit_rules(app):
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})
        (arg,) = rule.arguments
        if rule.endpoint in COMPLETE:
            form = _form(client, url)
            done = dict(COMPLETE[rule.endpoint])
            data = MultiDict([(n, v) for n, v in form.fields if n not in done] + COMPLETE[rule.endpoint])
            assert client.post(url, data=data).status_code == 302, url
        problems += _check(app, client, url, models[arg], ids[arg], other.id)
    assert problems == [], "\n".join(problems)


def test_preferences_change_only_preferences(app, client, login, world):  # noqa: F811
    owner, admin = world["owner"], world["admin"]
    login(owner)
    problems = _check(app, client, "/account", _models()["user_id"], owner.id, admin.id)
    assert problems == [], "\n".join(problems)


# (closed_at is left out: a move to an open stage clears it anyway, so the check could not fail.)
@pytest.mark.parametrize("field", ["owner_id", "fx_rate", "fx_rate_date"])
def test_a_deal_move_ignores_extra_fields(app, client, login, world, field):  # noqa: F811
    """The board's move (JSON and form) takes a stage and a version; nothing else sticks."""
    from crm.deals.models import Deal, PipelineStage

    ids, owner, other = world["ids"], world["owner"], world["other"]
    login(owner)
    with app.app_context():
        before = _snapshot(Deal, ids["deal_id"])
        target = db.session.scalar(sa.select(PipelineStage).where(
            PipelineStage.deal_type == before["deal_type"], PipelineStage.id != before["stage_id"],
            sa.not_(PipelineStage.is_won), sa.not_(PipelineStage.is_lost)).order_by(PipelineStage.position))
        target_id = target.id
    tampered = {"owner_id": other.id, "fx_rate": "9.99", "fx_rate_date": "2001-02-03"}[field]
    body = {"stage_id": target_id, "version": before["version"], field: tampered}
    response = client.post(f"/deals/{ids['deal_id']}/move", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        after = _snapshot(Deal, ids["deal_id"])
    assert after["stage_id"] == target_id
    for name in ("owner_id", "fx_rate", "fx_rate_date", "closed_at"):
        assert after[name] == before[name], name
