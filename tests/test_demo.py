"""The demo story (crm/demo.py) and the ``crm seed-demo`` command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crm import create_app
from crm.demo import DEMO_PASSWORD, USERS, seed_demo
from crm.enums import DealType, MeetingStatus, RegulatoryStatus
from crm.extensions import db
from crm.models import (
    Company,
    Contact,
    CoproductionTerms,
    Deal,
    Event,
    ExchangeRate,
    Lead,
    Meeting,
    PaymentInstalment,
    RightsGrant,
    StageChange,
    Task,
    Title,
    User,
)

HANGZHOU = ZoneInfo("Asia/Shanghai")
MIP_CHINA = "MIP China International Content Summit 2017"
RAINBOW_CHICKS_DEAL = "Rainbow Chicks — worldwide distribution"
ENGLISH_CLI = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "en_US.UTF-8"}


def row_counts() -> dict[str, int]:
    """Rows per table; search_terms is left out: it is an index derived from the records."""
    return {
        table.name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
        if table.name != "search_terms"
    }


@pytest.fixture
def seeded(ctx):
    """Seed once and commit, as the CLI does; returns how many rows were created."""
    with ctx() as session:
        created = seed_demo()
        session.commit()
    return created


def test_created_count_matches_the_rows_added(ctx):
    with ctx() as session:
        before = row_counts()
        created = seed_demo()
        session.commit()
        after = row_counts()
    assert created == sum(after.values()) - sum(before.values())
    assert after["users"] == 4
    assert after["companies"] >= 20
    assert after["contacts"] >= 25
    assert after["deals"] >= 12


def test_second_run_creates_and_changes_nothing(seeded, ctx, count_queries):
    assert seeded > 0
    with ctx() as session:
        before = row_counts()
    with count_queries() as counter, ctx() as session:
        assert seed_demo() == 0
        session.commit()
    writes = [s for s in counter.statements if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    with ctx():
        assert row_counts() == before


def test_demo_users_can_sign_in(seeded, app):
    for _key, email, *_rest in USERS:
        client = app.test_client()  # a fresh client each time: a signed-in client is redirected anyway
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert "/login" not in response.headers["Location"]
    wrong = app.test_client().post("/login", data={"email": "rep@demo.example", "password": "wrong password"})
    assert wrong.status_code == 200


def test_demo_users_have_their_preferences(seeded, ctx):
    with ctx() as session:
        users = {u.email: u for u in session.scalars(sa.select(User))}
    li, tom, wang, admin = (users[e] for e in ("rep@demo.example", "rep2@demo.example", "manager@demo.example",
                                                 "admin@demo.example"))
    assert (li.name, li.role.value, li.locale, li.timezone, li.reporting_currency) == (
        "Li Na 李娜", "rep", "zh", "Asia/Shanghai", "CNY")
    assert (tom.role.value, tom.locale, tom.timezone, tom.reporting_currency) == ("rep", "en", "Europe/Paris", "EUR")
    assert (wang.role.value, wang.locale, wang.reporting_currency) == ("manager", None, "USD")
    assert admin.role.value == "admin"


def test_dashboard_renders_for_the_demo_rep(seeded, client):
    client.post("/login", data={"email": "rep@demo.example", "password": DEMO_PASSWORD})
    assert client.get("/").status_code == 200


def test_the_event_and_its_companies(seeded, ctx):
    with ctx() as session:
        event = session.scalars(sa.select(Event).where(Event.name_en == MIP_CHINA)).one()
        assert event.name_zh == "MIP China 2017 国际内容峰会"
        assert (event.start_date, event.end_date) == (dt.date(2017, 5, 23), dt.date(2017, 5, 25))
        assert event.timezone == "Asia/Shanghai"
        assert event.organiser.legal_name_zh == "浙江华麦网络技术有限公司"
        attending = {c.name_en for c in event.companies}
        assert {"Hangzhou Thunder Animation", "Millimages", "Reed Midem"} <= attending
        assert len(attending) >= 15
        assert "West Lake" in event.notes and "450" in event.notes
        assert session.scalar(sa.select(sa.func.count(Event.id))) >= 2


def test_the_rainbow_chicks_deal_is_won(seeded, ctx):
    with ctx() as session:
        deal = session.scalars(sa.select(Deal).where(Deal.name_en == RAINBOW_CHICKS_DEAL)).one()
        assert deal.deal_type == DealType.DISTRIBUTION
        assert deal.currency == "EUR" and deal.amount == Decimal("350000.00")
        assert deal.stage.key == "won" and deal.stage.is_won
        assert deal.signed_on is not None and deal.closed_at is not None
        assert deal.regulatory_status == RegulatoryStatus.NOT_NEEDED
        assert deal.company.name_en == "Millimages"
        assert deal.event.name_en == MIP_CHINA
        assert [t.name_en for t in deal.titles] == ["Rainbow Chicks"]
        assert sum(p.percent for p in deal.payments) == Decimal("100")
        # Won: the EUR rate of its signing date (the demo's 24 May 2017 rate) is frozen on it.
        assert deal.fx_rate is not None and deal.fx_rate_date <= deal.signed_on
        grant = session.scalars(sa.select(RightsGrant).where(RightsGrant.deal_id == deal.id)).one()
        assert grant.title.name_en == "Rainbow Chicks" and grant.ends_on > grant.starts_on
        thunder, millimages = (
            session.scalars(sa.select(Company).where(Company.name_en == name)).one()
            for name in ("Hangzhou Thunder Animation", "Millimages")
        )
        for company in (thunder, millimages):  # term sheets need the parties' legal names and addresses
            assert company.legal_name_en and company.legal_name_zh and company.address_en and company.address_zh


def test_deals_cover_every_type_stage_and_currency(seeded, ctx):
    with ctx() as session:
        deals = session.scalars(sa.select(Deal)).all()
        assert {d.deal_type for d in deals} == set(DealType)
        assert {"CNY", "EUR", "USD"} <= {d.currency for d in deals}
        assert len({d.stage.key for d in deals}) >= 6
        assert {d.owner.email for d in deals} == {"rep@demo.example", "rep2@demo.example"}
        lost = [d for d in deals if d.stage.is_lost]
        assert lost and all(d.lost_reason and d.closed_at for d in lost)
        for deal in deals:
            assert deal.event_id is not None and deal.territories and deal.media and deal.titles
            assert deal.expected_close_date is not None
            if deal.deal_type == DealType.COPRODUCTION:
                assert deal.coproduction is not None
            elif deal.deal_type == DealType.FORMAT:
                assert deal.format_terms is not None and Decimal("4") <= deal.format_terms.fee_percent <= Decimal("5")
            else:
                assert deal.licence is not None
            if deal.payments:
                assert sum(p.percent for p in deal.payments) == Decimal("100"), deal.name_en


def test_stage_history_is_consistent(seeded, ctx):
    with ctx() as session:
        for deal in session.scalars(sa.select(Deal)):
            history = session.scalars(
                sa.select(StageChange).where(StageChange.deal_id == deal.id).order_by(StageChange.changed_at)
            ).all()
            assert history, deal.name_en
            assert history[0].from_stage_id is None and history[0].seconds_in_previous_stage is None
            for previous, change in zip(history, history[1:], strict=False):
                assert change.changed_at > previous.changed_at
                assert change.from_stage_id == previous.to_stage_id
                seconds = (change.changed_at - previous.changed_at).total_seconds()
                assert change.seconds_in_previous_stage == int(seconds)
            assert all(c.changed_by_id is not None for c in history)
            assert history[-1].to_stage_id == deal.stage_id
            assert deal.stage_entered_at == history[-1].changed_at
            assert deal.created_at == history[0].changed_at


def test_coproduction_shares_add_up_to_100(seeded, ctx):
    with ctx() as session:
        terms = session.scalars(sa.select(CoproductionTerms)).all()
        assert len(terms) >= 2
        for coproduction in terms:
            assert len(coproduction.partners) == 2
            assert sum(p.financing_share for p in coproduction.partners) == Decimal("100")
            assert sum(p.ip_share for p in coproduction.partners) == Decimal("100")
            assert coproduction.official_status is not None


def test_partnership_forum_meetings(seeded, ctx):
    with ctx() as session:
        event = session.scalars(sa.select(Event).where(Event.name_en == MIP_CHINA)).one()
        meetings = session.scalars(sa.select(Meeting).where(Meeting.event_id == event.id)).all()
        assert len(meetings) >= 20
        slots = set()
        for meeting in meetings:
            assert meeting.starts_at.tzinfo is not None
            local = meeting.starts_at.astimezone(HANGZHOU)
            assert local.date() in (dt.date(2017, 5, 24), dt.date(2017, 5, 25))
            assert local.time() >= dt.time(9, 30) and local.minute in (0, 30)
            assert meeting.duration_minutes == 30 and meeting.location.startswith("Table ")
            assert meeting.status != MeetingStatus.SCHEDULED  # they are in the past
            assert meeting.owner in meeting.users and meeting.contacts
            assert (meeting.starts_at, meeting.location) not in slots  # one meeting per table and slot
            slots.add((meeting.starts_at, meeting.location))
        assert {m.status for m in meetings} == {MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED}
        assert {m.owner.email for m in meetings} == {"rep@demo.example", "rep2@demo.example"}
        assert min(m.starts_at for m in meetings).astimezone(HANGZHOU).time() == dt.time(9, 30)


def test_every_meeting_is_aware_and_some_are_upcoming(seeded, ctx):
    with ctx() as session:
        meetings = session.scalars(sa.select(Meeting)).all()
        assert all(m.starts_at.tzinfo is not None and m.starts_at.utcoffset() == dt.timedelta(0) for m in meetings)
        now = dt.datetime.now(dt.UTC)
        upcoming = [m for m in meetings if m.starts_at > now]
        assert len(upcoming) >= 3
        assert all(m.status == MeetingStatus.SCHEDULED for m in upcoming)
        assert any(m.event and m.event.name_en != MIP_CHINA for m in meetings)


def test_leads_tasks_and_rates(seeded, ctx):
    with ctx() as session:
        leads = session.scalars(sa.select(Lead)).all()
        assert len(leads) >= 8
        assert {lead.status.value for lead in leads} == {"new", "qualified", "converted", "disqualified"}
        assert {lead.owner.email for lead in leads} == {"rep@demo.example", "rep2@demo.example"}
        assert all(lead.meeting_id and lead.event_id for lead in leads)
        today = dt.date.today()
        tasks = session.scalars(sa.select(Task)).all()
        assert any(t.done_at is None and t.due_on and t.due_on <= today + dt.timedelta(days=7) for t in tasks)
        rates = session.scalars(sa.select(ExchangeRate)).all()
        assert {r.currency for r in rates} >= {"CNY", "EUR", "GBP", "JPY", "KRW", "HKD"}
        assert {r.base for r in rates} == {"USD"}
        assert all("approximate" in r.source.lower() for r in rates)
        assert dt.date(2017, 5, 24) in {r.rate_date for r in rates}
        assert max(r.rate_date for r in rates) >= today - dt.timedelta(days=1)


def test_bilingual_names(seeded, ctx):
    with ctx() as session:
        for model in (Company, Title, Event, Deal):
            for record in session.scalars(sa.select(model)):
                assert record.name_en and record.name_zh, record
        contacts = session.scalars(sa.select(Contact)).all()
        assert all(c.name_en and c.email.endswith(".example") for c in contacts)
        chinese = [c for c in contacts if c.company.country == "CN"]
        assert chinese and all(c.name_zh and c.wechat_id and c.job_title_zh for c in chinese)
        chicks = session.scalars(sa.select(Title).where(Title.name_en == "Rainbow Chicks")).one()
        assert chicks.format_label == "52 × 11'"


def test_cli_seeds_then_has_nothing_to_do(runner, ctx):
    first = runner.invoke(args=["crm", "seed-demo"], env=ENGLISH_CLI)
    assert first.exit_code == 0, first.output
    assert "records created" in first.output
    with ctx():
        counts = row_counts()
    second = runner.invoke(args=["crm", "seed-demo"], env=ENGLISH_CLI)
    assert second.exit_code == 0, second.output
    assert "nothing to do" in second.output
    with ctx():
        assert row_counts() == counts


def test_cli_refuses_production_without_force(app, database_url, ctx):
    production = create_app(
        {"CRM_ENV": "production", "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": database_url}
    )
    try:
        result = production.test_cli_runner().invoke(args=["crm", "seed-demo"], env=ENGLISH_CLI)
        assert result.exit_code != 0
        assert "--force" in result.output
    finally:
        with production.app_context():
            db.session.remove()
            db.engine.dispose()
    with ctx() as session:
        assert session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_payment_instalments_are_numbered_from_one(seeded, ctx):
    with ctx() as session:
        for deal_id in session.scalars(sa.select(PaymentInstalment.deal_id).distinct()):
            sequences = session.scalars(
                sa.select(PaymentInstalment.sequence)
                .where(PaymentInstalment.deal_id == deal_id)
                .order_by(PaymentInstalment.sequence)
            ).all()
            assert sequences == list(range(1, len(sequences) + 1))
