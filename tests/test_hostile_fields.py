"""Hostile input in every text field of every edit form (ASVS 1.2, 1.3), generated from the
URL map: each payload typed into each free-text field (others as rendered) is either saved
and shown back intact and escaped, or refused with the form again — never a server error,
never markup on the record's page or its form. (tests/test_hostile_input.py follows the main
fields further: the JSON API, exports, the calendar, the term-sheet PDF, the audit log.)"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from tests.html_forms import page_form
from tests.test_access_matrix import world  # noqa: F401 - the fixture: a rep's records of every kind
from tests.test_field_rules import COMPLETE, _edit_rules

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "熊猫邮递员 🐼🎬 \u202eevil\u202c 彩虹小鸡",
]
# Fields that take codes typed as text: a payload there must be refused, not stored.
CODED = {"territories", "excluded", "languages"}
# The company picker's search box: what is typed there searches, it is never stored.
TRANSIENT = ("-search", "-shown")


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def test_every_text_field_of_every_edit_form(app, client, login, world, payload):  # noqa: F811
    ids = world["ids"]
    login(world["owner"])
    problems, saved_somewhere = [], 0
    for rule in _edit_rules(app):
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})
        if rule.endpoint in COMPLETE:
            form = page_form(client, url)
            done = dict(COMPLETE[rule.endpoint])
            client.post(url, data=MultiDict([(n, v) for n, v in form.fields if n not in done]
                                            + COMPLETE[rule.endpoint]))
        page = url.removesuffix("/edit")
        for field in page_form(client, url).text_fields:
            form = page_form(client, url)  # fresh: a deal's version moves on with each save
            data = MultiDict([(n, v) for n, v in form.fields if n != field] + [(field, payload)])
            response = client.post(url, data=data)
            body = response.get_data(as_text=True)
            if response.status_code >= 500 or response.status_code not in (200, 302, 400):
                problems.append(f"{url} {field}: {response.status_code}")
                continue
            if "<" in payload and payload in body:
                problems.append(f"{url} {field}: the form shows it as markup")
            if response.status_code != 302:
                continue
            for shown in (page, url):
                if "<" in payload and payload in client.get(shown).get_data(as_text=True):
                    problems.append(f"{shown} {field}: shown as markup")
            if field.endswith(TRANSIENT):
                continue
            back = dict(page_form(client, url).fields).get(field)
            if field in CODED:
                problems.append(f"{url} {field}: a payload was stored in a coded field") if back == payload else None
            elif back != payload:
                problems.append(f"{url} {field}: stored {back!r}, typed {payload!r}")
            else:
                saved_somewhere += 1
    assert problems == [], "\n".join(problems)
    assert saved_somewhere >= 20  # the corpus did reach the records, not just the validators
