"""Rights conflicts are reported after a move to negotiation or later and after a save."""

import datetime as dt

from crm.extensions import db


def _licence_deal(app, make_deal, owner, stage):
    from crm.deals.models import Deal, DealMedium, DealTerritory, LicenceTerms
    from crm.enums import Genre, Medium
    from crm.rights.services import add_grant
    from crm.titles.models import Title

    deal = make_deal(owner, stage=stage, name_en="Rainbow Chicks — Hong Kong")
    with app.app_context():
        title = Title(name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre=Genre.ANIMATION)
        db.session.add(title)
        db.session.flush()
        loaded = db.session.get(Deal, deal.id)
        loaded.titles = [title]
        loaded.territories = [DealTerritory(code="HK")]
        loaded.media = [DealMedium(medium=Medium.SVOD)]
        loaded.licence = LicenceTerms(exclusive=True, licence_start=dt.date(2019, 1, 1),
                                      licence_end=dt.date(2019, 12, 31))
        add_grant(title.id, "GREATER_CHINA", ["svod"], dt.date(2018, 1, 1), dt.date(2020, 12, 31), True)
        db.session.commit()
        return loaded.id, loaded.version


def test_move_to_negotiation_reports_the_conflict(app, client, login, make_user, make_deal, stages):
    rep = make_user()
    deal_id, version = _licence_deal(app, make_deal, rep, "offer")
    login(rep)
    response = client.post(f"/deals/{deal_id}/move",
                           json={"stage_id": stages[("distribution", "negotiation")], "version": version})
    assert response.status_code == 200
    warnings = response.get_json()["warnings"]
    assert len(warnings) == 1 and "Rainbow Chicks" in warnings[0] and "Hong Kong" in warnings[0]


def test_move_to_an_early_stage_says_nothing(app, client, login, make_user, make_deal, stages):
    rep = make_user()
    deal_id, version = _licence_deal(app, make_deal, rep, "lead")
    login(rep)
    response = client.post(f"/deals/{deal_id}/move",
                           json={"stage_id": stages[("distribution", "qualified")], "version": version})
    assert response.status_code == 200 and response.get_json()["warnings"] == []
