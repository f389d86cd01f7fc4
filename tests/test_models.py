"""The database itself keeps bad data out, whichever code writes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm.auth.models import User
from crm.companies.models import Company
from crm.deals.models import CoproductionPartner, CoproductionTerms, Deal, PipelineStage
from crm.enums import DealType
from crm.events.models import Event
from crm.extensions import db
from crm.meetings.models import Meeting
from crm.rates.models import ExchangeRate

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def deps(app, ctx, make_user, make_deal, make_company, stages):
    """A user, a company and a co-production deal with its terms row."""
    user = make_user()
    company = make_company()
    deal = make_deal(user, deal_type="coproduction", company=company)
    with ctx() as session:
        session.add(CoproductionTerms(deal_id=deal.id, working_title="Rainbow Chicks"))
        session.commit()
    return SimpleNamespace(user=user, company=company, deal=deal, stages=stages)


# Builders: a valid row by default; a test passes the one bad value.
def _partner(d, **o):
    fields = {"deal_id": d.deal.id, "company_id": d.company.id, "financing_share": Decimal("60.00"),
              "ip_share": Decimal("60.00")}
    return CoproductionPartner(**{**fields, **o})


def _deal(d, **o):
    fields = {"deal_type": DealType.DISTRIBUTION, "name_en": "Rainbow Chicks — Greater China",
              "stage_id": d.stages[("distribution", "lead")], "owner_id": d.user.id, "company_id": d.company.id,
              "amount": Decimal("250000.00"), "currency": "EUR"}
    return Deal(**{**fields, **o})


def _event(d, **o):
    fields = {"name_en": "MIP China 2017", "city": "Hangzhou", "start_date": dt.date(2017, 5, 23),
              "end_date": dt.date(2017, 5, 25)}
    return Event(**{**fields, **o})


def _company(d, **o):
    return Company(**{"name_en": "Millimages", "name_zh": None, **o})


def _meeting(d, **o):
    fields = {"owner_id": d.user.id, "company_id": d.company.id,
              "starts_at": dt.datetime(2017, 5, 24, 10, 0, tzinfo=SHANGHAI), "duration_minutes": 30}
    return Meeting(**{**fields, **o})


def _stage(d, **o):
    fields = {"deal_type": DealType.FORMAT, "key": "custom", "name_en": "Custom", "name_zh": "自定义",
              "position": 99, "probability": 0, "is_won": True, "is_lost": False}
    return PipelineStage(**{**fields, **o})


def _rate(d, **o):
    fields = {"base": "USD", "currency": "CNY", "rate_date": dt.date(2017, 5, 24), "rate": Decimal("6.885200")}
    return ExchangeRate(**{**fields, **o})


def _user(d, **o):
    fields = {"email": "new.rep@example.com", "name": "New Rep", "password_hash": "$argon2id$x"}
    return User(**{**fields, **o})


BUILDERS = {
    "partner": _partner, "deal": _deal, "event": _event, "company": _company, "meeting": _meeting,
    "stage": _stage, "rate": _rate, "user": _user,
}

BAD = [
    pytest.param("partner", lambda d: {"financing_share": Decimal("100.01")}, id="financing share over 100"),
    pytest.param("partner", lambda d: {"financing_share": Decimal("-1")}, id="negative financing share"),
    pytest.param("deal", lambda d: {"amount": Decimal("-0.01")}, id="negative deal amount"),
    pytest.param("deal", lambda d: {"currency": None}, id="deal without currency"),
    pytest.param("deal", lambda d: {"currency": "eur"}, id="lowercase currency"),
    pytest.param("deal", lambda d: {"currency": "EU"}, id="two-letter currency"),
    pytest.param("deal", lambda d: {"company_id": 999999}, id="deal of a missing company"),
    pytest.param("event", lambda d: {"end_date": dt.date(2017, 5, 22)}, id="event ends before it starts"),
    pytest.param("company", lambda d: {"name_en": None, "name_zh": None}, id="company without a name"),
    pytest.param("meeting", lambda d: {"duration_minutes": 0}, id="meeting of zero minutes"),
    pytest.param("stage", lambda d: {"is_won": True, "is_lost": True}, id="stage both won and lost"),
    pytest.param("rate", lambda d: {"rate": Decimal("0")}, id="exchange rate of zero"),
    pytest.param("user", lambda d: {"email": d.user.email}, id="duplicate user email"),
]


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_valid_rows_are_accepted(ctx, deps, kind):
    """The baseline each rejection below differs from by one value."""
    with ctx() as session:
        session.add(BUILDERS[kind](deps))
        session.commit()


@pytest.mark.parametrize(("kind", "bad"), BAD)
def test_database_rejects(ctx, deps, kind, bad):
    with ctx() as session:
        session.add(BUILDERS[kind](deps, **bad(deps)))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        # The session is usable again after the rollback.
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_chinese_name_alone_is_enough(ctx, deps):
    with ctx() as session:
        session.add(_company(deps, name_en=None, name_zh="杭州雷霆动画"))
        session.commit()


def test_datetimes_come_back_as_aware_utc(ctx, deps):
    starts = dt.datetime(2017, 5, 24, 10, 30, tzinfo=SHANGHAI)
    with ctx() as session:
        meeting = _meeting(deps, starts_at=starts)
        session.add(meeting)
        session.commit()
        meeting_id = meeting.id
    with ctx() as session:
        loaded = session.get(Meeting, meeting_id)
        assert loaded.starts_at == starts
        assert loaded.starts_at.utcoffset() == dt.timedelta(0)
        assert (loaded.starts_at.hour, loaded.starts_at.minute) == (2, 30)
        # Filtering with an aware value in another zone matches the same instant.
        found = session.scalar(sa.select(Meeting.id).where(Meeting.starts_at == starts.astimezone(dt.UTC)))
        assert found == meeting_id


def test_naive_datetimes_are_refused(ctx, deps):
    with ctx() as session:
        session.add(_meeting(deps, starts_at=dt.datetime(2017, 5, 24, 10, 30)))
        with pytest.raises((StatementError, ValueError), match="naive"):
            session.flush()
        session.rollback()


def test_deal_version_increments_on_update(ctx, deps):
    with ctx() as session:
        deal = session.get(Deal, deps.deal.id)
        assert deal.version == 1
        deal.amount = Decimal("1200000.00")
        session.commit()
        assert deal.version == 2
        deal.notes = "Term sheet sent"
        session.commit()
    with ctx() as session:
        assert session.get(Deal, deps.deal.id).version == 3


def test_stale_update_is_refused(ctx, deps):
    with ctx() as session:
        mine = session.get(Deal, deps.deal.id)
        # Our read ends (as a web request would; on SQLite, writers also queue behind an open
        # write transaction), another user saves, then we save our stale copy.
        session.expunge(mine)
        session.rollback()
        with Session(db.engine) as other:
            theirs = other.get(Deal, deps.deal.id)
            theirs.amount = Decimal("900000.00")
            other.commit()
        mine = session.merge(mine, load=False)
        mine.amount = Decimal("1500000.00")
        with pytest.raises(StaleDataError):
            session.commit()
        session.rollback()
    with ctx() as session:
        kept = session.get(Deal, deps.deal.id)
        assert kept.amount == Decimal("900000.00")  # the first writer's change survives
        assert kept.version == 2
