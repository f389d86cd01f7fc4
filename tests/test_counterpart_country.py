"""deals.counterpart_country follows the deal's company, whoever writes (crm/deals/counterpart.py).

The dashboard's "by counterpart country" table reads this copy, so a stale value would put a
deal under the wrong country. The database keeps it (triggers), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from crm.companies.models import Company
from crm.companies.services import merge_companies
from crm.deals.models import Deal


def country_of(ctx, deal_id: int) -> str | None:
    with ctx() as s:
        return s.scalar(sa.select(Deal.counterpart_country).where(Deal.id == deal_id))


def test_a_new_deal_takes_its_company_country(ctx, make_user, make_company, make_deal):
    deal = make_deal(make_user(), company=make_company(country="FR"))
    assert deal.counterpart_country == "FR"  # read back by the ORM after the insert
    assert country_of(ctx, deal.id) == "FR"
    assert make_deal(make_user(), company=make_company(country=None)).counterpart_country is None


def test_a_deal_moved_to_another_company_takes_its_country(ctx, make_user, make_company, make_deal):
    deal = make_deal(make_user(), company=make_company(country="FR"))
    other = make_company(country="CN")
    with ctx() as s:
        d = s.get(Deal, deal.id)
        d.company_id = other.id
        s.commit()
        assert d.counterpart_country == "CN"  # the ORM reads the database's value again
    assert country_of(ctx, deal.id) == "CN"


def test_a_company_country_change_reaches_its_deals_only(ctx, make_user, make_company, make_deal):
    owner = make_user()
    studio, other = make_company(country="FR"), make_company(country="GB")
    deals = [make_deal(owner, company=studio).id, make_deal(owner, company=studio, stage="won").id]
    untouched = make_deal(owner, company=other).id
    with ctx() as s:
        s.get(Company, studio.id).country = "BE"
        s.commit()
    assert [country_of(ctx, i) for i in deals] == ["BE", "BE"]
    assert country_of(ctx, untouched) == "GB"
    with ctx() as s:  # and back to no country
        s.get(Company, studio.id).country = None
        s.commit()
    assert [country_of(ctx, i) for i in deals] == [None, None]


def test_bulk_sql_and_hand_written_values_are_kept_right(ctx, make_user, make_company, make_deal, stages):
    """Writes that bypass the ORM (imports, scripts, a DBA): the database corrects them."""
    owner = make_user()
    fr, cn = make_company(country="FR"), make_company(country="CN")
    deal = make_deal(owner, company=fr)
    with ctx() as s:
        s.execute(sa.update(Deal).where(Deal.id == deal.id).values(counterpart_country="US"))
        s.execute(sa.update(Company).where(Company.id.in_([fr.id, cn.id])).values(country="JP"))
        now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
        s.execute(sa.insert(Deal).values(
            deal_type="distribution", name_en="Inserted by SQL", stage_id=stages[("distribution", "negotiation")],
            owner_id=owner.id, company_id=cn.id, amount=1, currency="USD", regulatory_status="not_needed",
            stage_entered_at=now, version=1, created_at=now, updated_at=now, counterpart_country="ZZ",
        ))
        s.commit()
        inserted = s.scalar(sa.select(Deal.id).where(Deal.name_en == "Inserted by SQL"))
    assert country_of(ctx, deal.id) == "JP"
    assert country_of(ctx, inserted) == "JP"


def test_merging_companies_moves_the_deals_country(ctx, make_user, make_company, make_deal):
    owner, manager = make_user(), make_user("manager")
    source, target = make_company(country="FR"), make_company(country="CN")
    deal = make_deal(owner, company=SimpleNamespace(id=source.id))
    with ctx() as s:
        merge_companies(s.get(Company, source.id), s.get(Company, target.id), manager)
        s.commit()
    assert country_of(ctx, deal.id) == "CN"


@pytest.mark.parametrize("country", ["FR", None])
def test_the_dashboard_groups_by_the_kept_country(client, login, ctx, make_user, make_company, make_deal, country):
    """After a company's country changes, its deal is counted under the new country at once."""
    manager = make_user("manager")
    company = make_company(country="GB")
    make_deal(manager, company=company)
    login(manager)

    def countries_table() -> str:
        page = client.get("/dashboard/?currency=USD").get_data(as_text=True)
        table = page[page.index('id="t-countries"'):]
        return table[:table.index("</table>")]

    assert 'data-key="GB"' in countries_table()  # the deal took its company's country
    with ctx() as s:
        s.get(Company, company.id).country = country
        s.commit()
    table = countries_table()
    assert 'data-key="GB"' not in table
    assert f'data-key="{country or ""}"' in table
