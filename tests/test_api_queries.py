"""API lists issue a fixed number of queries whatever the page holds (no N+1): each item's
lists (a lead's titles, a meeting's users, an event's companies, a co-production's partners)
are loaded once for the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm.extensions import db


def _fill(app, rep, company, n: int) -> None:
    import sqlalchemy as sa

    from crm.auth.models import User
    from crm.deals.models import CoproductionPartner, CoproductionTerms, Deal, PipelineStage
    from crm.enums import Contribution, DealType
    from crm.events.models import Event
    from crm.leads.models import Lead
    from crm.meetings.models import Meeting
    from crm.titles.models import Title

    with app.app_context():
        user = db.session.get(User, rep.id)
        stage = db.session.scalar(sa.select(PipelineStage).where(PipelineStage.deal_type == DealType.COPRODUCTION)
                                  .order_by(PipelineStage.position))
        for i in range(n):
            title = Title(name_en=f"Title {i}", genre="animation")
            event = Event(name_en=f"Market {i}", timezone="Asia/Shanghai", start_date=dt.date(2017, 5, 23),
                          end_date=dt.date(2017, 5, 25), companies=[db.session.get(type(company), company.id)])
            db.session.add_all([
                title, event,
                Lead(owner_id=rep.id, company_id=company.id, summary=f"Lead {i}", titles=[title]),
                Meeting(owner_id=rep.id, company_id=company.id, users=[user],
                        starts_at=dt.datetime(2017, 5, 24, 1, i, tzinfo=dt.UTC)),
                Deal(deal_type=DealType.COPRODUCTION, name_en=f"Copro {i}", stage_id=stage.id, owner_id=rep.id,
                     company_id=company.id, currency="EUR", amount=Decimal("1000.00"),
                     coproduction=CoproductionTerms(budget=Decimal("2000.00"), budget_currency="EUR", partners=[
                         CoproductionPartner(company_id=company.id, financing_share=Decimal("100"),
                                             ip_share=Decimal("100"), contribution=Contribution.CASH)])),
            ])
        db.session.commit()


@pytest.mark.parametrize("url", ["/api/v1/leads", "/api/v1/meetings", "/api/v1/events", "/api/v1/deals"])
def test_list_query_count_does_not_grow_with_the_page(app, client, make_user, make_company, stages, count_queries,
                                                      url):
    from crm.api.tokens import create_token
    from crm.auth.models import User

    rep, company = make_user("rep"), make_company()
    with app.app_context():
        raw = create_token(db.session.get(User, rep.id), "t")[1]
        db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    _fill(app, rep, company, 1)
    client.get(url, headers=headers)  # warm caches
    with count_queries() as one:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 1
    _fill(app, rep, company, 6)
    with count_queries() as seven:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 7
    assert seven.count == one.count, seven.statements
