"""The activity timeline shows stage changes on company pages (macro imported with context)."""

import sqlalchemy as sa


def test_company_page_shows_stage_changes_in_the_users_language(client, ctx, make_user, make_deal, login, stages):
    from crm.deals.models import StageChange

    rep = make_user()
    deal = make_deal(rep, stage="negotiation")
    with ctx() as session:
        session.add(StageChange(deal_id=deal.id, from_stage_id=stages[("distribution", "offer")],
                                to_stage_id=deal.stage_id, changed_by_id=rep.id))
        session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(StageChange)) == 1
    login(rep)
    page = client.get(f"/companies/{deal.company_id}")
    assert page.status_code == 200
    assert "Offer (avails, fee, territories) → Negotiation" in page.get_data(as_text=True)
    client.post("/language", data={"lang": "zh"})
    assert "报价 → 谈判" in client.get(f"/companies/{deal.company_id}").get_data(as_text=True)
