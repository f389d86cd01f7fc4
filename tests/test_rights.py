"""Rights availability: grants (hard conflicts), late-stage deals (soft holds),
territory groups, plain-word messages, the move hook and grants on a win."""

from __future__ import annotations

import datetime as dt
import importlib.util

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from crm.enums import Medium
from crm.extensions import db
from crm.territories import (
    ALL_COUNTRIES,
    codes_covering,
    describe_countries,
    expand_territories,
    parse_territory_text,
)

D = dt.date
HAS_MOVES = importlib.util.find_spec("crm.deals.moves") is not None


@pytest.fixture
def make_title(app):
    def make(name_en="Rainbow Chicks", name_zh=None):
        from crm.enums import Genre
        from crm.titles.models import Title

        with app.app_context():
            title = Title(name_en=name_en, name_zh=name_zh, genre=Genre.ANIMATION, episodes=52, episode_minutes=11)
            db.session.add(title)
            db.session.commit()
            return title.id

    return make


@pytest.fixture
def grant(app):
    def add(title_id, territories, media=("svod",), start=D(2018, 1, 1), end=D(2020, 12, 31), exclusive=True,
            deal_id=None):
        from crm.rights.services import add_grant

        with app.app_context():
            grant_id = add_grant(title_id, territories, media, start, end, exclusive, deal_id=deal_id)
            db.session.commit()
            return grant_id

    return add


def check(app, title_id, territories, media=("svod",), start=D(2019, 1, 1), end=D(2019, 12, 31), exclusive=True,
          **kwargs):
    from crm.rights.services import check_availability

    with app.app_context():
        return check_availability([title_id], territories, media, start, end, exclusive, **kwargs)


# -- territories ----------------------------------------------------------------------------------------------


def test_groups_expand_to_their_members():
    assert expand_territories(["GREATER_CHINA"]) == {"CN", "HK", "MO", "TW"}
    assert expand_territories(["CN_MAINLAND"]) == {"CN"}
    assert expand_territories(["WW"]) == ALL_COUNTRIES
    assert {"FR", "CN", "US", "XK"} <= ALL_COUNTRIES and not {"EU", "UN", "ZZ"} & ALL_COUNTRIES
    assert expand_territories(["WW"], ["CN"]) == ALL_COUNTRIES - {"CN"}
    assert expand_territories(["WW"], ["GREATER_CHINA"]) == ALL_COUNTRIES - {"CN", "HK", "MO", "TW"}
    assert expand_territories(["FR", "EU"], ["FR"]) == expand_territories(["EU"]) - {"FR"}


def test_codes_covering_a_country_include_its_groups_and_worldwide():
    assert codes_covering({"HK"}) == {"HK", "GREATER_CHINA", "WW"}
    assert codes_covering({"CN"}) == {"CN", "GREATER_CHINA", "CN_MAINLAND", "WW"}
    assert codes_covering({"BE"}) == {"BE", "EU", "FRANCOPHONE_EUROPE", "WW"}
    assert codes_covering(set()) == set()


def test_parse_territory_text():
    assert parse_territory_text("WW excluding CN, hk") == [("WW", False), ("CN", True), ("HK", True)]
    assert parse_territory_text("WW -CN -HK") == [("WW", False), ("CN", True), ("HK", True)]
    assert parse_territory_text("greater_china，FR、BE") == [("GREATER_CHINA", False), ("FR", False), ("BE", False)]
    with pytest.raises(ValueError) as exc:
        parse_territory_text("FR XX narnia")
    assert exc.value.args[1] == ["XX", "narnia"]


def test_describe_countries_in_plain_words(app):
    with app.test_request_context(), force_locale("en"):
        assert describe_countries(ALL_COUNTRIES) == "Worldwide"
        assert describe_countries(ALL_COUNTRIES - {"CN"}) == "Worldwide excluding China"
        assert describe_countries({"CN", "HK", "MO", "TW", "FR"}) == "Greater China, France"
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert "香港" in describe_countries({"HK", "FR"})
        assert "、" in describe_countries({"HK", "FR"})


# -- the grant check ------------------------------------------------------------------------------------------


def test_exclusive_against_an_overlapping_exclusive_grant(app, make_title, grant):
    title = make_title()
    gid = grant(title, ["FR", "BE"], ["svod", "pay_tv"], D(2018, 1, 1), D(2020, 12, 31))
    [conflict] = check(app, title, "FR DE", ["svod"], D(2020, 6, 1), D(2022, 5, 31))
    assert conflict.is_hard and conflict.grant_id == gid
    assert conflict.overlap.countries == {"FR"}
    assert conflict.overlap.media == {"svod"}
    assert (conflict.overlap.start, conflict.overlap.end) == (D(2020, 6, 1), D(2020, 12, 31))


@pytest.mark.parametrize(
    ("territories", "media", "start", "end", "same_title"),
    [
        ("FR", ["svod"], D(2019, 1, 1), D(2019, 12, 31), False),  # another title
        ("FR", ["svod"], D(2021, 1, 1), D(2022, 12, 31), True),  # after the grant
        ("FR", ["svod"], D(2015, 1, 1), D(2017, 12, 31), True),  # before it
        ("FR", ["free_tv", "avod"], D(2019, 1, 1), D(2019, 12, 31), True),  # other media
        ("DE IT", ["svod"], D(2019, 1, 1), D(2019, 12, 31), True),  # other countries
    ],
)
def test_no_conflict_when_anything_is_disjoint(app, make_title, grant, territories, media, start, end, same_title):
    title, other = make_title(), make_title("Other")
    grant(title, ["FR"], ["svod"], D(2018, 1, 1), D(2020, 12, 31))
    assert check(app, title if same_title else other, territories, media, start, end) == []


def test_period_edges_are_inclusive(app, make_title, grant):
    title = make_title()
    grant(title, ["FR"], ["svod"], D(2018, 1, 1), D(2020, 12, 31))
    assert len(check(app, title, "FR", ["svod"], D(2020, 12, 31), D(2021, 12, 31))) == 1
    assert check(app, title, "FR", ["svod"], D(2021, 1, 1), D(2021, 12, 31)) == []


def test_exclusivity_rules(app, make_title, grant):
    title = make_title()
    grant(title, ["FR"], ["svod"], exclusive=False)
    # non-exclusive vs non-exclusive: fine; exclusive request vs a non-exclusive grant: conflict
    assert check(app, title, "FR", exclusive=False) == []
    [conflict] = check(app, title, "FR", exclusive=True)
    assert not conflict.holder_exclusive
    grant(title, ["FR"], ["svod"], exclusive=True)
    assert len(check(app, title, "FR", exclusive=False)) == 1


def test_greater_china_conflicts_with_hong_kong_both_ways(app, make_title, grant):
    title = make_title()
    grant(title, ["GREATER_CHINA"])
    [conflict] = check(app, title, "HK")
    assert conflict.overlap.countries == {"HK"}
    other = make_title("Other")
    grant(other, ["HK"])
    assert len(check(app, other, "GREATER_CHINA")) == 1
    assert check(app, other, "CN_MAINLAND") == []


def test_worldwide_excluding(app, make_title, grant):
    title = make_title()
    grant(title, "WW -CN")
    assert check(app, title, "CN") == []
    assert check(app, title, "CN_MAINLAND") == []
    [conflict] = check(app, title, "FR")
    assert conflict.overlap.countries == {"FR"}
    [conflict] = check(app, title, "GREATER_CHINA")
    assert conflict.overlap.countries == {"HK", "MO", "TW"}
    # and a request for worldwide excluding mainland China meets a grant for Hong Kong
    other = make_title("Other")
    grant(other, ["HK"])
    assert len(check(app, other, "WW -CN")) == 1
    assert check(app, other, "WW -GREATER_CHINA") == []


def test_a_deals_own_grants_are_not_conflicts(app, make_title, grant, make_user, make_deal):
    title = make_title()
    deal = make_deal(make_user(), stage="won")
    grant(title, ["FR"], deal_id=deal.id)
    assert check(app, title, "FR", exclude_deal_id=deal.id) == []
    assert len(check(app, title, "FR")) == 1


def test_open_ended_requests_and_grants(app, make_title, grant):
    from crm.rights.availability import OPEN_END

    title = make_title()
    grant(title, ["FR"], start=D(2030, 1, 1), end=OPEN_END)
    assert len(check(app, title, "FR", start=None, end=None)) == 1
    assert len(check(app, title, "FR", start=D(2040, 1, 1), end=None)) == 1
    assert check(app, title, "FR", start=None, end=D(2029, 12, 31)) == []


# -- soft holds from other deals --------------------------------------------------------------------------------


def _deal_with_terms(app, deal, title_id, territories, media, start, end, exclusive=True):
    from crm.deals.models import Deal, DealMedium, DealTerritory, LicenceTerms
    from crm.titles.models import Title

    with app.app_context():
        row = db.session.get(Deal, deal.id)
        row.titles.append(db.session.get(Title, title_id))
        for code, excluded in parse_territory_text(territories):
            row.territories.append(DealTerritory(code=code, excluded=excluded))
        for m in media:
            row.media.append(DealMedium(medium=Medium(m)))
        if row.deal_type.value == "format":
            from crm.deals.models import FormatTerms

            row.format_terms = FormatTerms(exclusive=exclusive)
        else:
            row.licence = LicenceTerms(exclusive=exclusive, licence_start=start, licence_end=end)
        db.session.commit()
        return row.id


def test_soft_hold_from_another_late_stage_deal(app, make_title, make_user, make_deal):
    title = make_title()
    rep = make_user()
    held = make_deal(rep, stage="term_sheet", name_en="Holding deal")
    _deal_with_terms(app, held, title, "GREATER_CHINA", ["svod"], D(2019, 1, 1), D(2021, 12, 31))
    early = make_deal(rep, stage="offer")
    _deal_with_terms(app, early, title, "FR", ["svod"], D(2019, 1, 1), D(2021, 12, 31))
    lost = make_deal(rep, stage="lost", lost_reason="price")
    _deal_with_terms(app, lost, title, "FR", ["svod"], D(2019, 1, 1), D(2021, 12, 31))

    [conflict] = check(app, title, "HK FR")
    assert conflict.kind == "soft" and conflict.deal_id == held.id
    assert conflict.overlap.countries == {"HK"}
    assert conflict.deal_names[0] == "Holding deal"
    assert check(app, title, "HK", exclude_deal_id=held.id) == []
    assert check(app, title, "HK", soft=False) == []
    # a format deal has no dates: it holds its rights whatever the period
    fmt = make_deal(rep, stage="signed", deal_type="format")
    _deal_with_terms(app, fmt, title, "DE", ["free_tv"], None, None)
    assert len(check(app, title, "DE", ["free_tv"], D(2035, 1, 1), D(2036, 1, 1))) == 1


def test_deal_conflicts_of_a_deal(app, make_title, make_user, make_deal, grant):
    from crm.deals.models import Deal
    from crm.rights.services import deal_conflicts

    title = make_title()
    grant(title, ["WW"], ["svod"], D(2018, 1, 1), D(2025, 12, 31))
    rep = make_user()
    deal = make_deal(rep, stage="negotiation")
    _deal_with_terms(app, deal, title, "GREATER_CHINA", ["svod", "free_tv"], D(2020, 1, 1), D(2022, 12, 31))
    coprod = make_deal(rep, deal_type="coproduction", stage="negotiation")
    with app.app_context():
        [conflict] = deal_conflicts(db.session.get(Deal, deal.id))
        assert conflict.overlap.countries == {"CN", "HK", "MO", "TW"} and conflict.overlap.media == {"svod"}
        assert deal_conflicts(db.session.get(Deal, coprod.id)) == []


# -- messages ---------------------------------------------------------------------------------------------------


def test_messages_in_english_and_chinese(app, make_title, grant, make_user, make_deal):
    from crm.rights.messages import describe

    title = make_title("Rainbow Chicks", "彩虹小鸡")
    deal = make_deal(make_user(), stage="won", name_en="Millimages global", name_zh="全球发行")
    grant(title, ["GREATER_CHINA"], ["svod", "free_tv"], D(2018, 1, 1), D(2020, 12, 31), deal_id=deal.id)
    [conflict] = check(app, title, "HK FR", ["svod"], D(2020, 6, 1), D(2021, 5, 31))
    with app.test_request_context():
        with force_locale("en"):
            text = describe(conflict)
            assert "Rainbow Chicks" in text and "Hong Kong" in text and "SVOD" in text.upper()
            assert "Jun 1, 2020" in text and "Dec 31, 2020" in text and "Millimages global" in text
            assert "exclusively" in text and "France" not in text
        with force_locale("zh_Hans_CN"):
            text = describe(conflict)
            assert "彩虹小鸡" in text and "香港" in text and "全球发行" in text
            assert "2020年6月1日" in text and "2020年12月31日" in text


def test_soft_hold_message(app, make_title, make_user, make_deal):
    from crm.rights.messages import describe

    title = make_title("Rainbow Chicks")
    held = make_deal(make_user(), stage="signed", name_en="Tencent SVOD")
    _deal_with_terms(app, held, title, "CN_MAINLAND", ["svod"], D(2019, 1, 1), D(2021, 12, 31), exclusive=False)
    [conflict] = check(app, title, "GREATER_CHINA", ["svod"], D(2020, 1, 1), D(2020, 12, 31))
    with app.test_request_context(), force_locale("en"):
        text = describe(conflict)
    assert "Tencent SVOD" in text and "Contract signed" in text and "non-exclusive" in text and "China" in text


# -- the page ---------------------------------------------------------------------------------------------------


def test_page_requires_login(client):
    response = client.get("/rights/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_shows_available_and_conflicts(app, client, login, make_user, make_title, grant):
    title = make_title("Rainbow Chicks", "彩虹小鸡")
    grant(title, "WW -CN", ["svod"], D(2018, 1, 1), D(2020, 12, 31))
    login(make_user())
    page = client.get("/rights/")
    assert page.status_code == 200 and "Check availability" in page.get_data(as_text=True)
    args = {"check": "1", "title": "Rainbow", "territories": "CN", "media": ["svod"], "start": "2019-01-01",
            "end": "2019-12-31", "exclusive": "1"}
    body = client.get("/rights/", query_string=args).get_data(as_text=True)
    assert "Available" in body
    args["territories"] = "GREATER_CHINA"
    body = client.get("/rights/", query_string=args).get_data(as_text=True)
    assert "1 conflict" in body and "Hong Kong" in body and "Rainbow Chicks" in body


def test_page_in_chinese(app, client, login, make_user, make_title, grant):
    title = make_title("Rainbow Chicks", "彩虹小鸡")
    grant(title, ["HK"], ["svod"], D(2018, 1, 1), D(2020, 12, 31))
    login(make_user(locale="zh"))
    args = {"check": "1", "title": "彩虹小鸡", "territories": "GREATER_CHINA", "media": ["svod"],
            "start": "2019-01-01", "end": "2019-12-31", "exclusive": "1"}
    body = client.get("/rights/", query_string=args).get_data(as_text=True)
    assert "彩虹小鸡" in body and "香港" in body and "2019年1月1日" in body


def test_page_errors(app, client, login, make_user, make_title):
    make_title("Rainbow Chicks")
    make_title("Rainbow Fish")
    login(make_user())
    args = {"check": "1", "title": "Rainbow", "territories": "FR NARNIA", "start": "2020-02-30", "end": ""}
    body = client.get("/rights/", query_string=args).get_data(as_text=True)
    assert "Several titles match" in body and "Rainbow Fish" in body
    assert "Unknown territory code: NARNIA" in body
    assert "Tick at least one medium." in body
    assert "Enter a date like 2017-05-24." in body
    assert "<script" not in client.get("/rights/", query_string={"title": "<script>x</script>"}).get_data(
        as_text=True).split("</header>")[-1]


# -- grants on a win, and the move hook --------------------------------------------------------------------------


def test_grants_created_for_a_won_deal(app, make_title, make_user, make_deal):
    from crm.deals.models import Deal, RightsGrant, rights_grant_media, rights_grant_territories
    from crm.rights.services import create_grants_for_won_deal

    t1, t2 = make_title("A"), make_title("B")
    deal = make_deal(make_user(), stage="won", signed_on=D(2017, 5, 25))
    _deal_with_terms(app, deal, t1, "WW -CN", ["svod", "pay_tv"], D(2018, 1, 1), D(2022, 12, 31))
    with app.app_context():
        row = db.session.get(Deal, deal.id)
        from crm.titles.models import Title

        row.titles.append(db.session.get(Title, t2))
        db.session.commit()
        ids = create_grants_for_won_deal(row)
        db.session.commit()
        assert len(ids) == 2
        assert create_grants_for_won_deal(db.session.get(Deal, deal.id)) == ids  # idempotent
        grants = db.session.scalars(sa.select(RightsGrant).order_by(RightsGrant.id)).all()
        assert [g.title_id for g in grants] == [t1, t2]
        assert all(g.exclusive and g.starts_on == D(2018, 1, 1) and g.ends_on == D(2022, 12, 31) for g in grants)
        territories = db.session.execute(
            sa.select(rights_grant_territories.c.code, rights_grant_territories.c.excluded)
            .where(rights_grant_territories.c.grant_id == ids[0]).order_by(rights_grant_territories.c.code)
        ).all()
        assert [tuple(r) for r in territories] == [("CN", True), ("WW", False)]
        media = db.session.scalars(
            sa.select(rights_grant_media.c.medium).where(rights_grant_media.c.grant_id == ids[0])
        ).all()
        assert {getattr(m, "value", m) for m in media} == {"svod", "pay_tv"}
    # the new grants now block the same rights
    assert len(check(app, t1, "FR", ["svod"], soft=False)) == 1
    assert check(app, t1, "CN", ["svod"], soft=False) == []


@pytest.mark.skipif(not HAS_MOVES, reason="crm/deals/moves.py not there yet")
class TestMoveHook:
    def _setup(self, app, make_title, make_user, make_deal, grant, role):
        title = make_title()
        grant(title, ["GREATER_CHINA"], ["svod"], D(2018, 1, 1), D(2022, 12, 31))
        user = make_user(role)
        deal = make_deal(user, stage="term_sheet")
        _deal_with_terms(app, deal, title, "HK", ["svod"], D(2019, 1, 1), D(2019, 12, 31))
        return user, deal

    def _move(self, app, deal_id, user_id, stage_key, **kwargs):
        from crm.auth.models import User
        from crm.deals.models import Deal
        from crm.deals.moves import move_deal
        from crm.deals.stages import stage_by_key

        deal = db.session.get(Deal, deal_id)
        return move_deal(deal, stage_by_key(deal.deal_type, stage_key), db.session.get(User, user_id),
                         expected_version=deal.version, **kwargs)

    def test_rep_is_refused_even_with_a_reason(self, app, make_title, make_user, make_deal, grant):
        from crm.deals.models import Deal
        from crm.deals.moves import MoveError
        from crm.rights.services import RightsConflictError

        rep, deal = self._setup(app, make_title, make_user, make_deal, grant, "rep")
        with app.app_context(), app.test_request_context(), force_locale("en"):
            with pytest.raises(RightsConflictError) as exc:
                self._move(app, deal.id, rep.id, "signed", override_reason="I insist")
            assert isinstance(exc.value, MoveError) and not exc.value.can_override
            assert "Hong Kong" in str(exc.value.message) and "Only a manager" in str(exc.value.message)
            db.session.rollback()
            assert db.session.get(Deal, deal.id).stage.key == "term_sheet"
            # moving within the early stages is not checked
            assert self._move(app, deal.id, rep.id, "negotiation") is not None

    def test_manager_overrides_with_a_reason_which_is_logged(self, app, make_title, make_user, make_deal, grant):
        from crm.audit.models import AuditEntry
        from crm.deals.models import Deal
        from crm.rights.services import RightsConflictError

        manager, deal = self._setup(app, make_title, make_user, make_deal, grant, "manager")
        with app.app_context(), app.test_request_context(), force_locale("en"):
            with pytest.raises(RightsConflictError) as exc:
                self._move(app, deal.id, manager.id, "signed")
            assert exc.value.can_override
            db.session.rollback()
            self._move(app, deal.id, manager.id, "signed", override_reason="Holder released HK in writing")
            db.session.commit()
            assert db.session.get(Deal, deal.id).stage.key == "signed"
            entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rights_override")).one()
            assert entry.user_id == manager.id and entry.entity_id == deal.id
            assert entry.changes["reason"] == "Holder released HK in writing" and entry.changes["grants"]
            # once signed over the override, later signed stages are not refused again
            rep = db.session.get(Deal, deal.id).owner
            self._move(app, deal.id, rep.id, "regulatory")
            db.session.commit()

    def test_the_board_asks_only_a_manager_for_an_override(self, app, client, login, make_title, make_user,
                                                          make_deal, grant, stages):
        from crm.deals.models import Deal

        rep, deal = self._setup(app, make_title, make_user, make_deal, grant, "rep")
        signed = stages[("distribution", "signed")]
        login(rep)
        refused = client.post(f"/deals/{deal.id}/move", json={"stage_id": signed, "version": deal.version,
                                                              "override_reason": "I insist"})
        assert refused.status_code == 400 and refused.json["field"] is None  # nothing to ask a rep
        assert 'name="override_reason"' not in client.get("/deals/pipeline?type=distribution").get_data(as_text=True)
        client.post("/logout")
        manager = make_user("manager")
        login(manager)
        asked = client.post(f"/deals/{deal.id}/move", json={"stage_id": signed, "version": deal.version})
        assert asked.status_code == 400 and asked.json["field"] == "override_reason"
        board = client.get("/deals/pipeline?type=distribution").get_data(as_text=True)
        assert board.count('name="override_reason"') >= 2  # the drag's dialog and the card's own form
        # Without JavaScript: the card's "Move to…" form carries the reason.
        moved = client.post(f"/deals/{deal.id}/move?type=distribution",
                            data={"stage_id": signed, "version": deal.version,
                                  "override_reason": "Holder released HK in writing"})
        assert moved.status_code == 302
        with app.app_context():
            assert db.session.get(Deal, deal.id).stage_id == signed

    def test_winning_creates_grants(self, app, make_title, make_user, make_deal):
        from crm.deals.models import RightsGrant

        title = make_title()
        rep = make_user()
        deal = make_deal(rep, stage="regulatory")
        _deal_with_terms(app, deal, title, "FR", ["svod"], D(2019, 1, 1), D(2019, 12, 31))
        with app.app_context(), app.test_request_context():
            self._move(app, deal.id, rep.id, "won", signed_on=D(2018, 12, 1))
            db.session.commit()
            [g] = db.session.scalars(sa.select(RightsGrant).where(RightsGrant.deal_id == deal.id)).all()
            assert g.title_id == title and g.starts_on == D(2019, 1, 1)


def test_every_group_key_fits_the_code_columns():
    from crm.deals.models import DealTerritory, rights_grant_territories
    from crm.territories import GROUPS

    longest = max(len(code) for code in GROUPS)
    assert longest <= rights_grant_territories.c.code.type.length
    assert longest <= DealTerritory.__table__.c.code.type.length


def test_page_names_the_holding_deal(app, client, login, make_user, make_title, make_deal, grant):
    """A grant that came from a deal links it for those who may open it (the macro needs the user)."""
    title = make_title("Rainbow Chicks", "彩虹小鸡")
    owner = make_user("rep")
    deal = make_deal(owner, stage="won", name_en="Rainbow Chicks — worldwide")
    grant(title, ["WW"], ["svod"], D(2018, 1, 1), D(2020, 12, 31), deal_id=deal.id)
    args = {"check": "1", "title": "Rainbow", "territories": "CN", "media": ["svod"], "start": "2019-01-01",
            "end": "2019-12-31", "exclusive": "1"}
    for role in ("rep", "manager"):
        client.post("/logout")
        login(make_user(role))
        response = client.get("/rights/", query_string=args)
        assert response.status_code == 200
        assert "1 conflict" in response.get_data(as_text=True)
