"""The pipeline dashboard (issue 6) against a hand-computed fixture.

Rates (1 USD = 0.8 EUR = 7 CNY, no KRW rate), open deals at several stages in
USD, EUR, CNY and KRW, won and lost deals with reasons inside and outside the
period, stage durations around the 30-day "stuck" limit, and one event's
funnel (meetings held → leads → deals → won). Every expected figure is worked
out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from crm.dashboards.figures import build_dashboard
from crm.dashboards.filters import parse_filters
from crm.db_types import utcnow
from crm.enums import MeetingStatus
from crm.rates.models import ExchangeRate
from crm.rates.services import rate_table

D = Decimal
RATE_DAY = dt.date(2026, 11, 1)
TODAY = dt.date.today()
NOW = utcnow()
THIS_YEAR = dt.datetime(TODAY.year, 1, 1, tzinfo=dt.UTC)


def in_period(days: int) -> dt.datetime:
    """A moment of the current year (the default period), ``days`` after 1 January."""
    return THIS_YEAR + dt.timedelta(days=days, hours=10)


@pytest.fixture
def rates(ctx):
    with ctx() as session:
        for currency, rate in (("EUR", "0.8"), ("CNY", "7")):
            session.add(ExchangeRate(base="USD", currency=currency, rate_date=RATE_DAY, rate=D(rate)))
        session.commit()


@pytest.fixture
def people(make_user):
    return {"rep": make_user("rep", name="Alice Rep"), "other": make_user("rep", name="Bob Other"),
            "manager": make_user("manager", name="Mia Manager")}


@pytest.fixture
def events(ctx):
    from crm.events.models import Event

    with ctx() as session:
        this = Event(name_en="MIP China This Year", name_zh="今年的 MIP China", city="Hangzhou",
                     start_date=TODAY.replace(month=1, day=2), end_date=TODAY.replace(month=1, day=4))
        old = Event(name_en="Old Market", start_date=dt.date(2015, 5, 1), end_date=dt.date(2015, 5, 3))
        session.add_all([this, old])
        session.commit()
        return {"this": this.id, "old": old.id}


@pytest.fixture
def fixture(people, events, rates, make_deal, make_company, ctx):
    """The hand-computed world. Returns the ids the tests need."""
    from crm.leads.models import Lead
    from crm.meetings.models import Meeting

    rep, other = people["rep"], people["other"]
    fr, cn, nowhere = make_company(country="FR"), make_company(country="CN"), make_company()
    e1 = events["this"]

    def deal(owner, stage, amount, currency, company, **kw):
        return make_deal(owner, stage=stage, amount=D(amount), currency=currency, company=company, **kw)

    ids = {}
    # Open deals of the rep: (value in USD, weighted in USD)
    ids["neg"] = deal(rep, "negotiation", "100000.00", "USD", fr, event_id=e1,
                      stage_entered_at=NOW - dt.timedelta(days=45)).id  # 100,000 / 50,000; stuck
    deal(rep, "offer", "80000.00", "EUR", fr, stage_entered_at=NOW - dt.timedelta(days=10))  # 100,000 / 30,000
    deal(rep, "term_sheet", "700000.00", "CNY", cn, stage_entered_at=NOW - dt.timedelta(days=31))  # 100,000 / 70,000
    deal(rep, "development", "12345.67", "EUR", cn, deal_type="coproduction")  # 15,432.09 / 3,086.41 (20 %)
    deal(rep, "qualified", "1000.00", "KRW", nowhere)  # no KRW rate: counted, left out, named
    # Another rep's open deal.
    ids["big"] = deal(other, "negotiation", "999999.00", "USD", nowhere, event_id=e1,
                      stage_entered_at=NOW - dt.timedelta(days=100)).id  # stuck
    # Closed deals.
    deal(rep, "won", "20000.00", "USD", fr, event_id=e1, closed_at=in_period(40))
    deal(rep, "lost", "30000.00", "EUR", fr, closed_at=in_period(50), lost_reason="Price too high")  # 37,500
    deal(rep, "lost", "7000.00", "CNY", cn, closed_at=in_period(60), lost_reason="Price too high ")  # 1,000
    deal(other, "lost", "5000.00", "USD", fr, closed_at=in_period(70), lost_reason="No response")
    deal(rep, "lost", "1000.00", "USD", fr, closed_at=THIS_YEAR - dt.timedelta(days=3), lost_reason="Last year")
    deal(rep, "offer", "40000.00", "USD", fr, archived_at=utcnow())  # archived: never counted

    with ctx() as session:
        when = dt.datetime.combine(TODAY.replace(month=1, day=2), dt.time(2), tzinfo=dt.UTC)
        for owner, status, event in ((rep, MeetingStatus.HELD, e1), (rep, MeetingStatus.HELD, e1),
                                     (other, MeetingStatus.HELD, e1), (rep, MeetingStatus.CANCELLED, e1),
                                     (rep, MeetingStatus.HELD, None)):
            session.add(Meeting(owner_id=owner.id, event_id=event, starts_at=when, status=status, company_id=fr.id))
        session.add(Lead(owner_id=rep.id, company_id=fr.id, event_id=e1))
        session.add(Lead(owner_id=other.id, company_id=cn.id, event_id=e1))
        session.add(Lead(owner_id=rep.id, company_id=cn.id))  # not from the event
        session.commit()
    return ids


def dashboard(user, **args):
    f = parse_filters({"stuck": "30", **args}, user, today=TODAY)
    return build_dashboard(user, f, rate_table(f.rate_on), now=NOW)


def by_key(rows):
    return {r.key: (r.count, r.value.amount, r.weighted.amount if r.weighted else None) for r in rows}


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def test_open_pipeline_of_a_rep(ctx, people, fixture):
    with ctx():
        d = dashboard(people["rep"])
    # 100,000 USD + (80,000 + 12,345.67) EUR / 0.8 + 700,000 CNY / 7 (KRW left out)
    assert (d.open_total.count, d.open_total.value.amount) == (5, D("315432.09"))
    # 50,000 + (24,000 + 2,469.134) / 0.8 + 490,000 / 7
    assert d.open_total.weighted.amount == D("153086.41")
    assert d.missing == ["KRW"]
    assert d.users == {people["rep"].id: "Alice Rep"}  # a rep's page does not load every colleague
    assert d.rate_date == RATE_DAY
    stages = by_key(d.by_stage)
    assert stages["negotiation"] == (1, D("100000.00"), D("50000.00"))
    assert stages["offer"] == (1, D("100000.00"), D("30000.00"))
    assert stages["term_sheet"] == (1, D("100000.00"), D("70000.00"))
    assert stages["development"] == (1, D("15432.09"), D("3086.41"))
    assert stages["qualified"] == (1, D("0.00"), D("0.00"))
    assert [r.key for r in d.by_stage] == ["qualified", "development", "offer", "negotiation", "term_sheet"]
    types = by_key(d.by_type)
    assert types == {"distribution": (4, D("300000.00"), D("150000.00")),
                     "coproduction": (1, D("15432.09"), D("3086.41"))}
    assert by_key(d.by_owner) == {str(people["rep"].id): (5, D("315432.09"), D("153086.41"))}
    countries = by_key(d.by_country)
    assert countries["FR"] == (2, D("200000.00"), D("80000.00"))
    assert countries["CN"] == (2, D("115432.09"), D("73086.41"))
    assert countries[""] == (1, D("0.00"), D("0.00"))  # the KRW deal, company without a country
    assert d.by_stage[0].share == 0.0 and max(r.share for r in d.by_stage) == 1.0


def test_manager_sees_everyone(ctx, people, fixture):
    with ctx():
        d = dashboard(people["manager"])
    assert (d.open_total.count, d.open_total.value.amount) == (6, D("1315431.09"))
    assert by_key(d.by_owner)[str(people["other"].id)] == (1, D("999999.00"), D("499999.50"))
    assert by_key(d.by_country)[""] == (2, D("999999.00"), D("499999.50"))
    assert [r.label for r in d.by_owner] == ["Alice Rep", "Bob Other"]


def test_forecast_reuses_the_forecast_buckets(ctx, people, fixture):
    with ctx():
        d = dashboard(people["rep"])
    assert d.forecast.total.count == 5
    assert d.forecast.total.total.amount == D("315432.09")
    assert d.forecast.missing == ["KRW"]
    # Every open deal of the fixture expects to close on 2026-12-31 (make_deal's default).
    key = "overdue" if dt.date(2026, 12, 31) < TODAY else "2026-12"
    [row] = [r for r in d.forecast.rows if r.key == key]
    assert (row.count, row.total.amount, row.weighted.amount) == (5, D("315432.09"), D("153086.41"))
    assert len(d.forecast_shares) == len(d.forecast.rows) - 2  # the chart leaves out "overdue" and "no date"
    if key != "overdue":
        assert max(s for s, _w in d.forecast_shares) == 1.0


@pytest.mark.parametrize("viewer, args", [("manager", {}), ("rep", {}), ("manager", {"type": "coproduction"})])
def test_every_forecast_bucket_matches_the_forecast_page(ctx, people, rates, make_deal, viewer, args):
    """The dashboard reads the overdue bucket as what is left of the stage sums once the other buckets
    are read; every row must still equal the forecast page's own query (one CASE over every deal)."""
    from crm.deals.forecast import add_months, forecast
    from crm.enums import DealType

    rep, other = people["rep"], people["other"]
    one_day = dt.timedelta(days=1)
    dates = [TODAY - 400 * one_day, TODAY - one_day, TODAY, add_months(TODAY, 1) - one_day, add_months(TODAY, 1),
             add_months(TODAY, 11), add_months(TODAY, 12), add_months(TODAY, 40), None]
    for i, day in enumerate(dates):
        for currency, owner, stage, deal_type in (("USD", rep, "negotiation", "distribution"),
                                                  ("EUR", other, "offer", "distribution"),
                                                  ("CNY", rep, "negotiation", "coproduction"),
                                                  ("KRW", rep, "offer", "distribution")):
            make_deal(owner, stage=stage, deal_type=deal_type, currency=currency,
                      amount=D(1000 + 37 * i) + D("0.05"), expected_close_date=day)
    make_deal(rep, stage="won", expected_close_date=TODAY)  # closed deals are not forecast
    make_deal(rep, expected_close_date=TODAY, archived_at=NOW)  # nor archived ones
    user = people[viewer]
    with ctx():
        d = dashboard(user, currency="EUR", **args)
        deal_type = DealType(args["type"]) if "type" in args else None
        page = forecast(user, "EUR", today=TODAY, deal_type=deal_type, table=rate_table(d.filters.rate_on))
    assert [(r.key, r.count, r.total.amount, r.weighted.amount) for r in d.forecast.rows] == \
           [(r.key, r.count, r.total.amount, r.weighted.amount) for r in page.rows]
    assert d.forecast.rows[0].count > 0 and d.forecast.rows[-1].count > 0  # overdue and no date both there
    assert d.forecast.missing == page.missing == (["KRW"] if deal_type is None else [])


def test_won_and_lost_in_the_period_with_reasons(ctx, people, fixture):
    with ctx():
        rep = dashboard(people["rep"])
        manager = dashboard(people["manager"])
        everything = dashboard(people["manager"], period="all")
    assert (rep.won.count, rep.won.value.amount) == (1, D("20000.00"))
    # 30,000 EUR / 0.8 + 7,000 CNY / 7; the loss before the period is left out
    assert (rep.lost.count, rep.lost.value.amount) == (2, D("38500.00"))
    assert [(r.label, r.count, r.value.amount) for r in rep.lost_reasons] == [("Price too high", 2, D("38500.00"))]
    assert (manager.lost.count, manager.lost.value.amount) == (3, D("43500.00"))
    assert [(r.label, r.count) for r in manager.lost_reasons] == [("Price too high", 2), ("No response", 1)]
    assert everything.lost.count == 4
    assert {r.label for r in everything.lost_reasons} == {"Price too high", "No response", "Last year"}


def test_period_days_are_the_viewers(ctx, make_user, make_deal, rates):
    """"Won/lost in the period" counts the days of the viewer's time zone, as the audit log does."""
    shanghai = make_user("manager", name="In Shanghai", timezone="Asia/Shanghai")
    new_york = make_user("manager", name="In New York", timezone="America/New_York")
    # 1 January 03:00 UTC: 11:00 that day in Shanghai, 22:00 on 31 December in New York.
    make_deal(shanghai, stage="lost", closed_at=THIS_YEAR + dt.timedelta(hours=3), lost_reason="Early")
    # 31 December 20:00 UTC: 04:00 on 1 January in Shanghai, 15:00 on 31 December in New York.
    make_deal(shanghai, stage="won", closed_at=THIS_YEAR - dt.timedelta(hours=4))
    with ctx():
        east = dashboard(shanghai)
        west = dashboard(new_york)
        west_last_year = dashboard(new_york, period="last_year")
    assert (east.won.count, east.lost.count) == (1, 1)
    assert (west.won.count, west.lost.count) == (0, 0)
    assert (west_last_year.won.count, west_last_year.lost.count) == (1, 1)


def test_day_range_utc():
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from crm.i18n import day_range_utc, user_zone

    start, end = day_range_utc(dt.date(2026, 3, 1), dt.date(2026, 3, 31), ZoneInfo("Europe/Paris"))
    # Paris is UTC+1 on 1 March and UTC+2 from 29 March (summer time)
    assert start == dt.datetime(2026, 2, 28, 23, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 31, 22, tzinfo=dt.UTC)
    assert day_range_utc(None, None, dt.UTC) == (None, None)
    assert user_zone(SimpleNamespace(timezone="Not/AZone")) is dt.UTC
    assert user_zone(SimpleNamespace(timezone=None)) is dt.UTC


def test_stuck_deals(ctx, people, fixture):
    with ctx():
        rep = dashboard(people["rep"])
        manager = dashboard(people["manager"])
        strict = dashboard(people["rep"], stuck="5")
    # 45 days in negotiation and 31 in term sheet; the offer entered 10 days ago
    assert (rep.stuck_total.count, rep.stuck_total.value.amount, rep.stuck_total.weighted.amount) == (
        2, D("200000.00"), D("120000.00"))
    assert by_key(rep.stuck) == {"negotiation": (1, D("100000.00"), D("50000.00")),
                                 "term_sheet": (1, D("100000.00"), D("70000.00"))}
    assert manager.stuck_total.count == 3
    assert [s.id for s in manager.stuck_deals][0] == fixture["big"]
    assert manager.stuck_deals[0].days == 100
    assert strict.stuck_total.count == 3  # the offer (10 days) now counts too


def test_event_funnel(ctx, people, events, fixture):
    with ctx():
        manager = dashboard(people["manager"])
        rep = dashboard(people["rep"])
        chosen = dashboard(people["manager"], event=str(events["old"]))
    assert manager.funnels_note == "period"
    [e] = manager.funnels  # the old market is outside the period
    assert (e.event_id, e.meetings_held, e.leads, e.deals, e.won) == (events["this"], 3, 2, 3, 1)
    assert e.deal_value.amount == D("1119999.00") and e.won_value.amount == D("20000.00")
    [r] = rep.funnels
    assert (r.meetings_held, r.leads, r.deals, r.won) == (2, 1, 2, 1)
    assert r.deal_value.amount == D("120000.00")
    assert chosen.funnels_note == "event"
    assert [(f.event_id, f.meetings_held, f.deals) for f in chosen.funnels] == [(events["old"], 0, 0)]


def test_filters_owner_type_event_and_currency(ctx, people, events, fixture):
    with ctx():
        owner = dashboard(people["manager"], owner=str(people["other"].id))
        ignored = dashboard(people["rep"], owner=str(people["other"].id))  # reps cannot look at others
        coprod = dashboard(people["manager"], type="coproduction")
        event = dashboard(people["manager"], event=str(events["this"]))
        eur = dashboard(people["rep"], currency="EUR")
    assert owner.open_total.count == 1 and owner.open_total.value.amount == D("999999.00")
    assert ignored.open_total.count == 5
    assert coprod.open_total.count == 1 and coprod.open_total.value.amount == D("15432.09")
    assert event.open_total.count == 2 and event.open_total.value.amount == D("1099999.00")
    # 100,000 USD × 0.8 + 92,345.67 EUR + 100,000 USD × 0.8
    assert eur.open_total.value.amount == D("252345.67")


def test_filters_from_the_url(people):
    rep, manager = people["rep"], people["manager"]
    f = parse_filters({}, rep, today=dt.date(2026, 11, 27))
    assert (f.start, f.end, f.currency, f.stuck_days) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "USD", 30)
    f = parse_filters({"period": "quarter"}, rep, today=dt.date(2026, 11, 27))
    assert (f.start, f.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    f = parse_filters({"from": "2026-03-01", "to": "2026-02-01", "currency": "eur", "type": "bad", "stuck": "-4",
                       "rates": "nope", "owner": "7"}, manager, today=dt.date(2026, 11, 27), default_stuck_days=14)
    assert (f.start, f.end, f.currency, f.deal_type, f.stuck_days, f.rate_on, f.owner_id) == (
        dt.date(2026, 2, 1), dt.date(2026, 3, 1), "EUR", None, 14, dt.date(2026, 11, 27), 7)
    f = parse_filters({"period": "all"}, rep, today=dt.date(2026, 11, 27))
    assert f.all_time and f.args()["period"] == "all" and "from" not in f.args()


def test_rate_date_is_stated_and_used(ctx, people, fixture):
    with ctx() as session:
        session.add(ExchangeRate(base="USD", currency="EUR", rate_date=dt.date(2026, 11, 20), rate=D("0.5")))
        session.commit()
        before = dashboard(people["rep"], rates="2026-11-10")
        after = dashboard(people["rep"], rates="2026-11-25")
    assert before.rate_date == RATE_DAY
    assert by_key(before.by_stage)["offer"][1] == D("100000.00")  # 80,000 / 0.8
    assert by_key(after.by_stage)["offer"][1] == D("160000.00")  # 80,000 / 0.5
    assert after.rate_date == RATE_DAY  # the CNY rate is still the older one


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def test_page_for_a_rep_shows_only_their_figures(client, login, people, fixture):
    login(people["rep"])
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "$315,432.09" in html and "$153,086.41" in html
    assert "999,999" not in html and "Bob Other" not in html
    assert 'name="owner"' not in html  # no owner filter for reps
    assert "KRW" in html and "left out" in html
    assert "<svg" in html and 'class="chart chart-hbars"' in html and "chart-funnel" in html
    assert "MIP China This Year" in html


def test_page_for_a_manager_shows_everyone(client, login, people, fixture):
    login(people["manager"])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "$1,315,431.09" in html and "Bob Other" in html and 'name="owner"' in html
    html = client.get(f"/dashboard/?owner={people['other'].id}&currency=EUR").get_data(as_text=True)
    assert "€799,999.20" in html  # 999,999 USD × 0.8
    assert '<option value="EUR" selected>' in html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_renders_in_both_languages(client, login, people, fixture, lang):
    login(people["manager"])
    client.post("/language", data={"lang": lang})
    response = client.get("/dashboard/?period=all")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if lang == "zh":
        assert 'lang="zh-Hans"' in html
        assert "US$1,315,431.09" in html
        assert "万" in html  # chart labels: 131.5万
        assert "今年的 MIP China" in html  # the event's Chinese name
    else:
        assert "$1,315,431.09" in html and "$1.3M" in html


def test_bad_filters_fall_back(client, login, people, fixture):
    login(people["manager"])
    url = "/dashboard/?from=x&to=2026-99-01&owner=abc&type=zzz&event=q&currency=QQQ&rates=bad&stuck=99999"
    assert client.get(url).status_code == 200


def test_page_requires_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_fixed_number_of_queries(client, login, people, make_deal, make_company, count_queries, rates, events):
    manager = people["manager"]
    login(manager)
    make_deal(people["rep"], event_id=events["this"])
    client.get("/dashboard/")
    with count_queries() as one:
        assert client.get("/dashboard/").status_code == 200
    company = make_company(country="FR")
    for i, stage in enumerate(["lead", "offer", "negotiation", "won", "lost"] * 6):
        make_deal(people["other" if i % 2 else "rep"], stage=stage, company=company, currency=["USD", "EUR"][i % 2],
                  event_id=events["this"], closed_at=in_period(i) if stage in ("won", "lost") else None,
                  lost_reason=f"reason {i % 3}" if stage == "lost" else None,
                  stage_entered_at=NOW - dt.timedelta(days=40 + i))
    with count_queries() as many:
        assert client.get("/dashboard/").status_code == 200
    assert one.count == many.count
    assert many.count <= 16
    # The figures are grouped sums, in one statement each: the open pipeline, won and lost, the event
    # funnels, and the rates.
    grouped = [s for s in many.statements if "GROUP BY" in s]
    assert len(grouped) == 4
    assert any("counterpart_country" in s and "open_groups" in s for s in grouped)


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


def test_export_csv(client, login, people, fixture):
    login(people["rep"])
    response = client.get("/dashboard/export/stages?fmt=csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="dashboard-stages-USD.csv"'
    text = response.data.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "Stage,Deals,Value (USD),Weighted value (USD)"
    assert "Negotiation,1,100000.00,50000.00" in lines
    closed = client.get("/dashboard/export/closed?currency=EUR").data.decode("utf-8-sig")
    assert "Lost,Price too high,2,30800.00" in closed  # 38,500 USD × 0.8


def test_export_xlsx_of_each_table(client, login, people, fixture):
    from openpyxl import load_workbook

    login(people["manager"])
    for name in ("stages", "types", "owners", "countries", "forecast", "closed", "stuck", "events"):
        response = client.get(f"/dashboard/export/{name}?fmt=xlsx&period=all")
        assert response.status_code == 200, name
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert sheet.max_row >= 2, name
    sheet = load_workbook(io.BytesIO(client.get("/dashboard/export/events?fmt=xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "MIP China This Year" and rows[1][2:6] == (3, 2, 3, 1)


def test_export_neutralises_formulas_in_loss_reasons(client, login, people, make_deal, rates):
    make_deal(people["rep"], stage="lost", closed_at=in_period(5), lost_reason='=HYPERLINK("http://x","y")')
    login(people["rep"])
    text = client.get("/dashboard/export/closed").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_export_rejects_unknown_tables(client, login, people):
    login(people["rep"])
    assert client.get("/dashboard/export/secrets").status_code == 404
    assert client.get("/dashboard/export/stages?fmt=pdf").status_code == 404


def test_navigation_links_the_dashboard(client, login, people):
    login(people["rep"])
    assert 'href="/dashboard/"' in client.get("/").get_data(as_text=True)


def test_compact_money_uses_wan_and_yi(app):
    from flask_babel import force_locale

    from crm.i18n import compact_money

    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            assert compact_money(D("123456789"), "CNY") == "¥1.2亿"
            assert compact_money(D("1234567"), "CNY") == "¥123.5万"
        with force_locale("en"):
            assert compact_money(D("1234567"), "USD") == "$1.2M"


def test_events_not_started_have_no_funnel_yet(ctx, people, fixture):
    from crm.events.models import Event

    with ctx() as session:
        session.add(Event(name_en="Next Market", start_date=TODAY + dt.timedelta(days=3),
                          end_date=TODAY + dt.timedelta(days=5)))
        session.commit()
        d = dashboard(people["manager"], period="all")
    assert "Next Market" not in [f.label for f in d.funnels]
    assert [f.label for f in d.funnels] == ["MIP China This Year", "Old Market"]  # latest first


def test_no_event_in_the_period_shows_the_latest(ctx, people, fixture):
    with ctx():
        d = dashboard(people["manager"], **{"from": "2016-01-01", "to": "2016-12-31"})
    assert d.funnels_note == "recent"
    assert [f.label for f in d.funnels] == ["Old Market"]
    assert d.won.count == 0 and d.lost.count == 0


def test_empty_database(client, login, make_user):
    """No stages, deals, events or rates yet: every section says so instead of failing."""
    login(make_user("manager"))
    response = client.get("/dashboard/?currency=EUR")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No open deals." in html and "No events yet." in html
    assert client.get("/dashboard/export/stuck?fmt=xlsx").status_code == 200


@pytest.mark.parametrize("locale", ["en", "zh_Hans_CN"])
def test_page_formats_match_the_filters(app, locale):
    """The dashboard's own formatter (locale looked up once a page) prints what the Jinja filters print."""
    from flask_babel import force_locale

    from crm import i18n
    from crm.dashboards.formatting import Formats

    amounts = [D("0"), D("-0.00"), D("0.01"), D("-0.01"), D("2.5"), D("999.995"), D("1234.56"), D("-98765.43"),
               D("1315431.09"), D("123456789012.34"), None]
    with app.test_request_context(), force_locale(locale):
        fmt = Formats()
        for ccy in ("USD", "CNY", "EUR", "GBP", "JPY", "KRW", "CHF", None):
            for amount in amounts:
                assert fmt.money(amount, ccy) == i18n.money(amount, ccy), (ccy, amount)
                assert fmt.compact_money(amount, ccy, 2) == i18n.compact_money(amount, ccy, 2), (ccy, amount)
        for value in (0, 7, 1234, -1234567, 10**9, D("1234.5"), None):
            assert fmt.number(value) == i18n.number(value), value
        for ratio in (None, 0, 0.25, 0.4691, 1, 12.5):
            assert fmt.percent(ratio) == i18n.percent(ratio), ratio
