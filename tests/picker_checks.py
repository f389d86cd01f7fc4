"""Checks shared by the two searchable pickers' endpoints (/pickers/companies, /pickers/titles)."""

from __future__ import annotations

from crm.pickers import MATCH_LIMIT


def picker_json(client, url: str, q: str, headers=None) -> dict:
    """The picker's answer to the search ``q`` (a 200 JSON response)."""
    response = client.get(url, query_string={"q": q}, headers=headers or {})
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def assert_login_required(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def assert_fixed_number_of_queries(client, url: str, count_queries, one_match: str, a_page_of_matches: str) -> None:
    """The same number of queries for one match as for a full page, the matches in one query."""
    picker_json(client, url, "warm up")
    with count_queries() as few:
        assert len(picker_json(client, url, one_match)["items"]) == 1
    with count_queries() as many:
        assert len(picker_json(client, url, a_page_of_matches)["items"]) == MATCH_LIMIT
    assert few.count == many.count
    # The user and session checks, then one query for the matches.
    assert sum("search_terms" in statement for statement in many.statements) == 1
