"""Pinyin-aware indexed search (crm/search.py, crm/search_index.py) and the global search page."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from crm.companies.models import Company, Contact
from crm.extensions import db
from crm.search import search_clause
from crm.search_index import name_terms, prefix_successor, query_words, reindex_all
from crm.search_models import SearchTerm


@pytest.fixture
def thunder(ctx):
    """Hangzhou Thunder Animation and its CEO; returns (company id, contact id)."""
    with ctx() as session:
        company = Company(name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画", country="CN")
        session.add(company)
        session.flush()
        contact = Contact(name_en="Chen Hao", name_zh="陈浩", company_id=company.id,
                          email="chen.hao@thunder-animation.example", wechat_id="chenhao_thunder")
        other = Company(name_en="Millimages", name_zh="Millimages（法国）", country="FR")
        session.add_all([contact, other])
        session.commit()
        return company.id, contact.id


def ids(model, q):
    return set(db.session.scalars(sa.select(model.id).where(search_clause(model, q))))


@pytest.mark.parametrize("q", ["leiting", "LeiTing", "lt", "ltdh", "hzltdh", "雷霆", "雷霆动画", "杭州", "Thunder",
                               "thunder anim", "hangzhou thunder", "hangzhou lei", "hangzhouleiting", "donghua"])
def test_company_found_by_name_pinyin_and_initials(app, thunder, q):
    company_id, _ = thunder
    with app.app_context():
        assert ids(Company, q) == {company_id}


@pytest.mark.parametrize("q", ["chen.hao@thunder-animation.example", "chen.hao@thunder", "chen.hao", "chenhao_thunder",
                               "chenhao", "陈浩", "ch", "Chen Hao", "ＣＨＥＮ"])
def test_contact_found_by_email_wechat_and_name(app, thunder, q):
    _, contact_id = thunder
    with app.app_context():
        assert ids(Contact, q) == {contact_id}


@pytest.mark.parametrize("q", ["leitingx", "thunder millimages", "zzz", "动画片", "hao.chen", "%", "-"])
def test_non_matching_query_finds_nothing(app, thunder, q):
    with app.app_context():
        assert ids(Company, q) == set()
        assert ids(Contact, q) == set()


def test_empty_query_matches_everything(app, thunder):
    with app.app_context():
        assert len(ids(Company, "  ")) == 2


def test_no_leading_wildcard_inside_a_word(app, thunder):
    """Prefixes start at a unit (word, Chinese character, syllable), not in the middle of a word."""
    with app.app_context():
        assert ids(Company, "under") == set()
        assert ids(Company, "eiting") == set()


def test_editing_a_name_updates_its_terms(app, thunder):
    company_id, _ = thunder
    with app.app_context():
        company = db.session.get(Company, company_id)
        company.name_zh = "杭州闪电动画"
        company.name_en = "Hangzhou Lightning Animation"
        db.session.commit()
        assert ids(Company, "leiting") == set()
        assert ids(Company, "thunder") == set()
        assert ids(Company, "shandian") == {company_id}
        assert ids(Company, "lightning") == {company_id}
        key = db.session.get(Company, company_id).search_key.split()
        assert "shandiandonghua" in key and "leitingdonghua" not in key


def test_search_key_lists_the_terms(app, thunder):
    company_id, _ = thunder
    with app.app_context():
        key = db.session.get(Company, company_id).search_key.split()
        expected = {"hangzhouleitingdonghua", "leitingdonghua", "hzltdh", "ltdh", "雷霆动画", "thunderanimation"}
        assert expected <= set(key)


def test_deleting_a_record_removes_its_terms(app, thunder):
    with app.app_context():
        other = db.session.scalar(sa.select(Company).where(Company.name_en == "Millimages"))
        other_id = other.id
        db.session.delete(other)
        db.session.commit()
        left = db.session.scalar(sa.select(sa.func.count()).select_from(SearchTerm)
                                 .where(SearchTerm.entity_type == "company", SearchTerm.entity_id == other_id))
        assert left == 0


def test_archived_records_stay_indexed(app, thunder):
    """Search still finds an archived company; list filters decide whether to show it."""
    company_id, _ = thunder
    with app.app_context():
        db.session.get(Company, company_id).archived_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        db.session.commit()
        assert ids(Company, "leiting") == {company_id}
        visible = db.session.scalars(
            sa.select(Company.id).where(Company.archived_at.is_(None), search_clause(Company, "leiting"))).all()
        assert visible == []


def test_reindex_all_rebuilds_the_index(app, thunder):
    company_id, contact_id = thunder
    with app.app_context():
        db.session.execute(sa.delete(SearchTerm))
        db.session.commit()
        assert ids(Company, "leiting") == set()
        counts = reindex_all()
        db.session.commit()
        assert counts["company"] > 0 and counts["contact"] > 0
        assert ids(Company, "leiting") == {company_id}
        assert ids(Contact, "chenhao_thunder") == {contact_id}


def test_reindex_search_command(app, runner, thunder):
    with app.app_context():
        db.session.execute(sa.delete(SearchTerm))
        db.session.commit()
    result = runner.invoke(args=["crm", "reindex-search"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert ids(Company, "lt") == {thunder[0]}


def test_heteronyms_and_mixed_scripts():
    assert {"chongqing", "cq"} <= name_terms("重庆")  # read in context
    assert {"changsha", "zhangsha"} <= name_terms("长沙")  # and the other common reading
    assert {"mangguotv", "mgtv", "芒果tv", "tv"} <= name_terms("芒果TV")  # ASCII passes through
    assert {"millimagesfaguo", "faguo", "法国"} <= name_terms("Millimages（法国）")  # NFKC brackets dropped
    assert "kangzhou" not in " ".join(name_terms("杭州"))  # no rare classical readings


def test_query_words():
    assert query_words("Hangzhou  LEI") == [["hangzhou"], ["lei"]]
    assert query_words("chen.hao@thunder") == [["chenhaothunder", "chen.hao@thunder"]]
    assert query_words("ＣＣＴＶ") == [["cctv"]]
    assert query_words("- %") == []
    assert prefix_successor("leiting") == "leitinh"
    assert prefix_successor("雷") > "雷霆动画"


def test_lead_deal_meeting_match_through_their_company(app, thunder, make_user, make_deal):
    from crm.deals.models import Deal

    company_id, _ = thunder
    rep = make_user()
    with app.app_context():
        company = db.session.get(Company, company_id)
        db.session.expunge(company)
    deal = make_deal(rep, company=company)
    with app.app_context():
        assert set(db.session.scalars(sa.select(Deal.id).where(search_clause(Deal, "leiting")))) == {deal.id}
        assert set(db.session.scalars(sa.select(Deal.id).where(search_clause(Deal, "millimages")))) == set()


def test_query_uses_the_index(app, thunder):
    """The prefix range is answered by ix_search_terms_type_term on SQLite and PostgreSQL."""
    with app.app_context():
        stmt = sa.select(Company.id).where(search_clause(Company, "leiting"))
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in db.session.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
            assert "USING COVERING INDEX ix_search_terms_type_term" in plan, plan
        else:
            # Tiny tables: forbid the sequential scan the planner would pick; on a large table it
            # picks ix_search_terms_type_term by itself (the benchmark prints that plan).
            db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(row[0] for row in db.session.execute(sa.text("EXPLAIN " + sql)))
            assert "Index Only Scan using" in plan and "on search_terms" in plan, plan
            assert "Index Cond: ((entity_type = 'company'::text) AND (term >= 'leiting'::text) AND " \
                   "(term < 'leitinh'::text))" in plan, plan  # the prefix is an index range, not a filter


# ---------------------------------------------------------------------------
# The global search page
# ---------------------------------------------------------------------------


def test_search_page_groups_results(client, login, make_user, thunder):
    login(make_user())
    page = client.get("/search/?q=leiting").get_data(as_text=True)
    assert "Hangzhou Thunder Animation" in page
    assert 'id="results-companies"' in page
    page = client.get("/search/?q=chenhao_thunder").get_data(as_text=True)
    assert "Chen Hao" in page and 'id="results-contacts"' in page
    assert 'id="results-companies"' not in page


def test_search_page_in_chinese(client, login, make_user, thunder):
    login(make_user(locale="zh"))
    page = client.get("/search/?q=lt").get_data(as_text=True)
    assert "杭州雷霆动画" in page


def test_search_page_empty_and_no_match(client, login, make_user, thunder):
    login(make_user())
    assert client.get("/search/").status_code == 200
    page = client.get("/search/?q=zzzz").get_data(as_text=True)
    assert "Nothing matches" in page


def test_search_page_escapes_the_query(client, login, make_user):
    login(make_user())
    page = client.get("/search/?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_search_page_requires_login(client):
    assert client.get("/search/?q=lt").status_code == 302


def test_header_search_box_points_to_the_page(client, login, make_user):
    login(make_user())
    page = client.get("/search/").get_data(as_text=True)
    assert 'action="/search/"' in page


def test_rep_does_not_see_another_reps_deal(client, login, make_user, make_deal, thunder):
    company_id, _ = thunder
    mine, theirs, manager = make_user(), make_user(), make_user(role="manager")
    with client.application.app_context():
        company = db.session.get(Company, company_id)
        db.session.expunge(company)
    make_deal(mine, company=company, name_en="My Rainbow deal")
    make_deal(theirs, company=company, name_en="Their Rainbow deal")
    login(mine)
    page = client.get("/search/?q=leiting").get_data(as_text=True)
    assert "My Rainbow deal" in page
    assert "Their Rainbow deal" not in page
    client.post("/logout")
    login(manager)
    page = client.get("/search/?q=leiting").get_data(as_text=True)
    assert "My Rainbow deal" in page and "Their Rainbow deal" in page


def _bulk_companies(ctx, n, prefix):
    with ctx() as session:
        for i in range(n):
            session.add(Company(name_en=f"{prefix} Thunder {i}", name_zh=f"雷霆{i}号"))
        session.commit()


def test_search_page_issues_a_fixed_number_of_queries(client, login, make_user, make_deal, ctx, count_queries,
                                                      thunder):
    manager = make_user(role="manager")
    login(manager)
    client.get("/search/?q=leiting")  # warm caches

    def queries():
        with count_queries() as counter:
            assert client.get("/search/?q=leiting").status_code == 200
        return counter.count

    few = queries()
    _bulk_companies(ctx, 30, "Bulk")
    rep = make_user()
    with ctx() as session:
        company_ids = session.scalars(sa.select(Company.id).where(Company.name_en.like("Bulk%"))).all()
    for company_id in company_ids[:12]:
        with ctx() as session:
            company = session.get(Company, company_id)
            session.expunge(company)
        make_deal(rep, company=company)
    many = queries()
    assert many == few
    page = client.get("/search/?q=leiting").get_data(as_text=True)
    assert "See all matching" in page  # more companies than a group shows
