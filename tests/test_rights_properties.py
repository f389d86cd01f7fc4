"""Property-based tests of the rights overlap logic (hypothesis), and of the SQL
narrowing against the pure function on random small datasets."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.extensions import db
from crm.rights.availability import Rights, conflicts, find_conflicts, overlap, overlaps
from crm.territories import ALL_COUNTRIES, GROUPS, expand_territories

MEDIA = ["free_tv", "pay_tv", "svod", "avod"]
COUNTRIES = ["CN", "HK", "MO", "TW", "FR", "BE", "CH", "LU", "DE", "US", "GB", "JP"]
CODES = COUNTRIES + list(GROUPS)
FIRST = dt.date(2018, 1, 1)
DAYS = 3 * 365

dates = st.integers(min_value=0, max_value=DAYS).map(lambda n: FIRST + dt.timedelta(days=n))


@st.composite
def periods(draw):
    a, b = draw(dates), draw(dates)
    return min(a, b), max(a, b)


@st.composite
def territory_entries(draw):
    included = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
    excluded = draw(st.lists(st.sampled_from(CODES), max_size=2, unique=True))
    return [(c, False) for c in included] + [(c, True) for c in excluded if c not in included]


@st.composite
def rights(draw, title_ids=(1, 2)):
    start, end = draw(periods())
    return Rights.of(
        draw(st.sampled_from(title_ids)), draw(territory_entries()),
        draw(st.sets(st.sampled_from(MEDIA), min_size=1, max_size=3)), start, end, draw(st.booleans()),
    )


@given(rights(), rights())
def test_overlap_is_symmetric(a, b):
    assert overlaps(a, b) == overlaps(b, a)
    assert conflicts(a, b) == conflicts(b, a)
    assert overlap(a, b) == overlap(b, a)


@given(rights(), rights())
def test_overlap_is_the_intersection_of_every_dimension(a, b):
    expected = (
        a.title_id == b.title_id and bool(a.countries & b.countries) and bool(a.media & b.media)
        and max(a.start, b.start) <= min(a.end, b.end)
    )
    assert overlaps(a, b) == expected


@given(rights(), rights(), st.integers(min_value=1, max_value=400))
def test_disjoint_periods_never_conflict(a, b, gap):
    later = Rights(b.title_id, b.included, b.excluded, b.media, a.end + dt.timedelta(days=gap),
                   a.end + dt.timedelta(days=gap + (b.end - b.start).days), b.exclusive)
    assert not conflicts(a, later) and not conflicts(later, a)


@given(rights(), rights())
def test_disjoint_media_never_conflict(a, b):
    other = frozenset(MEDIA) - a.media or frozenset({"theatrical"})
    b = Rights(b.title_id, b.included, b.excluded, other, b.start, b.end, b.exclusive)
    assert not conflicts(a, b)


@given(periods(), st.sets(st.sampled_from(MEDIA), min_size=1), st.booleans())
def test_a_group_conflicts_with_each_of_its_members(period, media, exclusive):
    for code, (_label, members) in GROUPS.items():
        group = Rights.of(1, [code], media, *period, exclusive=True)
        for member in sorted(members if members is not None else COUNTRIES):
            assert conflicts(group, Rights.of(1, [member], media, *period, exclusive=exclusive)), (code, member)


@given(rights(), periods())
def test_worldwide_conflicts_with_everything_that_names_a_place(a, period):
    ww = Rights.of(a.title_id, ["WW"], a.media, *period, exclusive=True)
    shares_dates = max(a.start, ww.start) <= min(a.end, ww.end)
    assert conflicts(ww, a) == (bool(a.countries) and shares_dates)


@given(st.sampled_from(sorted(ALL_COUNTRIES)), periods(), st.sets(st.sampled_from(MEDIA), min_size=1))
def test_worldwide_excluding_cn(country, period, media):
    ww_ex_cn = Rights.of(1, [("WW", False), ("CN", True)], media, *period)
    assert not conflicts(ww_ex_cn, Rights.of(1, ["CN"], media, *period))
    assert not conflicts(ww_ex_cn, Rights.of(1, ["CN_MAINLAND"], media, *period))
    assert conflicts(ww_ex_cn, Rights.of(1, ["FR"], media, *period))
    assert conflicts(ww_ex_cn, Rights.of(1, [country], media, *period)) == (country != "CN")


@given(rights(), rights())
def test_non_exclusive_never_conflicts_with_non_exclusive(a, b):
    a = Rights(a.title_id, a.included, a.excluded, a.media, a.start, a.end, exclusive=False)
    b = Rights(b.title_id, b.included, b.excluded, b.media, b.start, b.end, exclusive=False)
    assert not conflicts(a, b)


@given(territory_entries())
def test_expansion_is_included_minus_excluded(entries):
    included = [c for c, x in entries if not x]
    excluded = [c for c, x in entries if x]
    countries = expand_territories(included, excluded)
    assert countries <= ALL_COUNTRIES
    for code in excluded:
        assert not countries & expand_territories([code])


# -- the SQL narrowing returns exactly what the pure function says ------------------------------------------------


@pytest.fixture
def two_titles(app):
    from crm.enums import Genre
    from crm.titles.models import Title

    with app.app_context():
        titles = [Title(name_en=f"T{i}", genre=Genre.DOCUMENTARY) for i in range(2)]
        db.session.add_all(titles)
        db.session.commit()
        return [t.id for t in titles]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_path_matches_the_pure_function(app, two_titles, data):
    from crm.deals.models import RightsGrant, rights_grant_media, rights_grant_territories
    from crm.rights.services import add_grant, check_availability

    grants = data.draw(st.lists(rights(tuple(two_titles)), min_size=0, max_size=12), label="grants")
    request = data.draw(rights(tuple(two_titles)), label="request")
    with app.app_context():
        for table in (rights_grant_territories, rights_grant_media, RightsGrant.__table__):
            db.session.execute(sa.delete(table))
        held = []
        for g in grants:
            entries = [(c, False) for c in g.included] + [(c, True) for c in g.excluded]
            grant_id = add_grant(g.title_id, entries, g.media, g.start, g.end, g.exclusive)
            held.append((g, {"grant_id": grant_id}))
        db.session.commit()
        if not request.countries:
            return
        found = check_availability(
            [request.title_id], [(c, False) for c in request.included] + [(c, True) for c in request.excluded],
            request.media, request.start, request.end, request.exclusive, soft=False,
        )
        expected = find_conflicts(request, held, "hard")
    assert sorted((c.grant_id, c.overlap) for c in found) == sorted(
        ((c.grant_id, c.overlap) for c in expected), key=lambda t: t[0]
    )
