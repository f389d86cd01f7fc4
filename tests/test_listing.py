"""Shared list mechanics: capped counts, export neutralisation."""

import csv
import io

from crm import listing


def test_huge_lists_stop_counting_at_the_cap(client, make_user, login, make_company, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    login(make_user("manager"))
    for n in range(5):
        make_company(name_en=f"Studio {n}")
    page = client.get("/companies/").get_data(as_text=True)
    assert "More than 3" in page
    monkeypatch.setattr(listing, "COUNT_CAP", 10)
    page = client.get("/companies/").get_data(as_text=True)
    assert "5 companies" in page


def test_export_neutralises_formulas_and_keeps_chinese(app):
    with app.test_request_context():
        response = listing.export_response(
            "csv", "x", ["Name", "Amount"],
            [["=HYPERLINK(\"http://x\")", 5], ["杭州雷霆动画", "+1"], ["@SUM(A1)", "-2"]],
        )
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][0].startswith("'=")
    assert rows[2] == ["杭州雷霆动画", "'+1"]
    assert rows[3] == ["'@SUM(A1)", "'-2"]
