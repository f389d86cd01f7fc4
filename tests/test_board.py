"""Stage moves with history (crm/deals/moves.py) and the pipeline board (crm/deals/board.py)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from crm.extensions import db

STAGE_ID_RE = re.compile(r'data-deal-id="(\d+)"')


def _move_json(client, deal_id, stage_id, version, **extra):
    return client.post(f"/deals/{deal_id}/move", json={"stage_id": stage_id, "version": version, **extra})


def _state(ctx, deal_id):
    from crm.deals.models import Deal, StageChange

    with ctx() as session:
        deal = session.get(Deal, deal_id)
        history = session.scalars(sa.select(StageChange).where(StageChange.deal_id == deal_id)).all()
        return deal.stage_id, deal.version, len(history)


# -- move_deal ---------------------------------------------------------------------


def test_move_writes_exactly_one_history_row(ctx, make_user, make_deal, stages):
    from crm.audit.models import AuditEntry
    from crm.auth.models import User
    from crm.db_types import utcnow
    from crm.deals.models import Deal, PipelineStage, StageChange
    from crm.deals.moves import move_deal

    rep = make_user("rep")
    entered = utcnow() - dt.timedelta(hours=2)
    deal = make_deal(rep, stage="offer", stage_entered_at=entered)
    with ctx() as session:
        obj = session.get(Deal, deal.id)
        change = move_deal(obj, session.get(PipelineStage, stages[("distribution", "negotiation")]),
                           session.get(User, rep.id), expected_version=obj.version)
        session.commit()
        assert change is not None
        rows = session.scalars(sa.select(StageChange).where(StageChange.deal_id == deal.id)).all()
        assert len(rows) == 1
        row = rows[0]
        assert row.from_stage_id == stages[("distribution", "offer")]
        assert row.to_stage_id == stages[("distribution", "negotiation")]
        assert row.changed_by_id == rep.id
        assert 7200 <= row.seconds_in_previous_stage < 7260
        obj = session.get(Deal, deal.id)
        assert obj.stage_id == stages[("distribution", "negotiation")]
        assert obj.version == deal.version + 1
        assert obj.stage_entered_at == row.changed_at
        audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "move")).one()
        assert audit.entity_id == deal.id and audit.changes["stage"] == ["offer", "negotiation"]


def test_a_failing_move_writes_nothing(ctx, make_user, make_deal, stages, monkeypatch):
    from crm.auth.models import User
    from crm.deals import moves
    from crm.deals.models import Deal, PipelineStage

    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")

    class Refused(moves.MoveError):
        pass

    def refuse(deal, to_stage, user, override_reason):
        raise Refused("no")

    monkeypatch.setattr(moves, "before_move_checks", [refuse])
    with ctx() as session:
        obj = session.get(Deal, deal.id)
        with pytest.raises(Refused):
            moves.move_deal(obj, session.get(PipelineStage, stages[("distribution", "signed")]),
                            session.get(User, rep.id), expected_version=obj.version)
        session.commit()
    assert _state(ctx, deal.id) == (stages[("distribution", "offer")], deal.version, 0)


def test_a_failure_after_the_change_rolls_everything_back(ctx, make_user, make_deal, stages, monkeypatch):
    from crm.auth.models import User
    from crm.deals import moves
    from crm.deals.models import Deal, PipelineStage

    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")

    def explode(deal, from_stage, to_stage, user):
        raise RuntimeError("disk full")

    monkeypatch.setattr(moves, "after_move_hooks", [explode])
    with ctx() as session:
        obj = session.get(Deal, deal.id)
        with pytest.raises(RuntimeError):
            moves.move_deal(obj, session.get(PipelineStage, stages[("distribution", "signed")]),
                            session.get(User, rep.id), expected_version=obj.version)
        session.rollback()
    assert _state(ctx, deal.id) == (stages[("distribution", "offer")], deal.version, 0)


def test_history_rows_cannot_be_updated(ctx, client, login, make_user, make_deal, stages):
    from crm.append_only import AppendOnlyError
    from crm.deals.models import StageChange

    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")
    login(rep)
    assert _move_json(client, deal.id, stages[("distribution", "negotiation")], deal.version).status_code == 200
    with ctx() as session:
        row = session.scalars(sa.select(StageChange)).one()
        row.reason = "rewritten"
        with pytest.raises(AppendOnlyError):
            session.flush()
        session.rollback()
        with pytest.raises(sa.exc.DatabaseError):
            session.execute(sa.update(StageChange).values(reason="rewritten"))
        session.rollback()
        assert session.scalars(sa.select(StageChange)).one().reason is None


def test_a_stage_of_another_deal_type_is_refused(ctx, make_user, make_deal, stages):
    from crm.auth.models import User
    from crm.deals.models import Deal, PipelineStage
    from crm.deals.moves import WrongDealTypeError, move_deal

    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")
    with ctx() as session:
        obj = session.get(Deal, deal.id)
        with pytest.raises(WrongDealTypeError):
            move_deal(obj, session.get(PipelineStage, stages[("format", "negotiation")]),
                      session.get(User, rep.id), expected_version=obj.version)
    assert _state(ctx, deal.id)[2] == 0


def test_a_concurrent_commit_between_read_and_write_is_a_conflict(ctx, app, make_user, make_deal, stages):
    """The versioned UPDATE catches a move committed after we loaded the deal (StaleDataError)."""
    from crm.auth.models import User
    from crm.deals.models import Deal, PipelineStage
    from crm.deals.moves import ConflictError, move_deal

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite transactions that may write begin IMMEDIATE: no commit can land between our read "
                    "and our write (tests/test_sqlite_concurrency.py); stale edits across requests are "
                    "caught by expected_version")
    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")
    with ctx() as session:
        mine = session.get(Deal, deal.id)
        user = session.get(User, rep.id)
        target = session.get(PipelineStage, stages[("distribution", "term_sheet")])
        assert mine.stage is not None
        # Another request commits a move meanwhile (its own connection and transaction).
        with db.engine.begin() as other:
            other.execute(
                sa.update(Deal.__table__).where(Deal.__table__.c.id == deal.id).values(
                    stage_id=stages[("distribution", "negotiation")], version=deal.version + 1
                )
            )
        with pytest.raises(ConflictError) as caught:
            move_deal(mine, target, user, expected_version=mine.version)  # our copy is stale
        assert caught.value.current_version == deal.version + 1
        assert caught.value.current_stage_id == stages[("distribution", "negotiation")]
    assert _state(ctx, deal.id) == (stages[("distribution", "negotiation")], deal.version + 1, 0)


# -- the JSON endpoint -----------------------------------------------------------------


def test_move_json_returns_version_and_column_counts(client, login, ctx, make_user, make_deal, stages):
    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")
    make_deal(rep, stage="offer")
    login(rep)
    response = _move_json(client, deal.id, stages[("distribution", "negotiation")], deal.version)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == deal.version + 1
    assert body["stage_id"] == stages[("distribution", "negotiation")]
    assert body["columns"][str(stages[("distribution", "negotiation")])]["count"] == 1
    assert body["columns"][str(stages[("distribution", "offer")])]["count"] == 1
    assert body["columns"][str(stages[("distribution", "lead")])]["count"] == 0
    # Saved at once: a reload shows it in the new column.
    assert _state(ctx, deal.id) == (stages[("distribution", "negotiation")], deal.version + 1, 1)


def test_stale_version_is_a_409_and_changes_nothing(client, login, ctx, make_user, make_deal, stages):
    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")
    with ctx(), db.engine.begin() as conn:  # as if two other edits were saved since the card was drawn
        conn.execute(sa.text("UPDATE deals SET version = 3 WHERE id = :id"), {"id": deal.id})
    login(rep)
    response = _move_json(client, deal.id, stages[("distribution", "negotiation")], 2)
    assert response.status_code == 409
    body = response.get_json()
    assert body["version"] == 3 and body["stage_id"] == stages[("distribution", "offer")]
    assert "changed this deal" in body["error"]
    assert _state(ctx, deal.id) == (stages[("distribution", "offer")], 3, 0)


def test_two_clients_moving_the_same_card_exactly_one_wins(app, ctx, make_user, make_deal, stages):
    from tests.conftest import PASSWORD

    manager = make_user("manager")
    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")
    clients = []
    for user in (rep, manager):
        c = app.test_client()
        assert c.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        clients.append(c)
    first = _move_json(clients[0], deal.id, stages[("distribution", "negotiation")], deal.version)
    second = _move_json(clients[1], deal.id, stages[("distribution", "term_sheet")], deal.version)
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    assert second.get_json()["stage_id"] == stages[("distribution", "negotiation")]
    assert _state(ctx, deal.id) == (stages[("distribution", "negotiation")], deal.version + 1, 1)


def test_lost_needs_a_reason_and_won_a_signed_date(client, login, ctx, make_user, make_deal, stages):
    from crm.deals.models import Deal, StageChange

    rep = make_user("rep")
    deal = make_deal(rep, stage="regulatory")
    login(rep)
    lost, won, regulatory = (stages[("distribution", k)] for k in ("lost", "won", "regulatory"))

    response = _move_json(client, deal.id, lost, deal.version)
    assert response.status_code == 400 and response.get_json()["field"] == "reason"
    response = _move_json(client, deal.id, lost, deal.version, reason="   ")
    assert response.status_code == 400
    response = _move_json(client, deal.id, won, deal.version)
    assert response.status_code == 400 and response.get_json()["field"] == "signed_on"
    assert _state(ctx, deal.id) == (regulatory, deal.version, 0)

    response = _move_json(client, deal.id, won, deal.version, signed_on="2017-05-25")
    assert response.status_code == 200
    with ctx() as session:
        obj = session.get(Deal, deal.id)
        assert obj.signed_on == dt.date(2017, 5, 25) and obj.closed_at is not None
        version = obj.version
    response = _move_json(client, deal.id, lost, version, reason="Went with another distributor")
    assert response.status_code == 200
    with ctx() as session:
        obj = session.get(Deal, deal.id)
        assert obj.lost_reason == "Went with another distributor" and obj.closed_at is not None
        assert obj.signed_on is None
        version = obj.version
    response = _move_json(client, deal.id, regulatory, version)
    assert response.status_code == 200
    with ctx() as session:
        obj = session.get(Deal, deal.id)
        assert obj.closed_at is None and obj.lost_reason is None and obj.signed_on is None
        reasons = session.scalars(sa.select(StageChange.reason).order_by(StageChange.id)).all()
        assert reasons == [None, "Went with another distributor", None]


def test_a_rep_cannot_move_or_see_another_reps_deal(client, login, ctx, make_user, make_deal, stages):
    rep, other = make_user("rep"), make_user("rep")
    theirs = make_deal(other, stage="offer", name_en="Their secret deal")
    mine = make_deal(rep, stage="offer", name_en="My own deal")
    login(rep)
    target = stages[("distribution", "negotiation")]
    assert _move_json(client, theirs.id, target, theirs.version).status_code == 404
    assert client.post(f"/deals/{theirs.id}/move", data={"stage_id": target, "version": 1}).status_code == 404
    assert _state(ctx, theirs.id) == (stages[("distribution", "offer")], theirs.version, 0)
    page = client.get("/deals/pipeline?type=distribution").get_data(as_text=True)
    assert "My own deal" in page and "Their secret deal" not in page
    column = client.get(f"/deals/pipeline/column?type=distribution&stage={stages[('distribution', 'offer')]}")
    assert "Their secret deal" not in column.get_data(as_text=True)
    # A rep's owner filter is ignored (it cannot widen the scope).
    page = client.get(f"/deals/pipeline?type=distribution&owner={other.id}").get_data(as_text=True)
    assert "Their secret deal" not in page and "My own deal" in page
    assert mine.id


def test_form_post_without_javascript_redirects_to_the_board(client, login, ctx, make_user, make_deal, stages):
    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")
    login(rep)
    response = client.post(f"/deals/{deal.id}/move?type=distribution&country=FR",
                           data={"stage_id": stages[("distribution", "negotiation")], "version": deal.version})
    assert response.status_code == 302
    assert "/deals/pipeline?type=distribution&country=FR" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Moved to Negotiation" in page
    assert _state(ctx, deal.id)[0] == stages[("distribution", "negotiation")]
    # Lost without a reason: an error flash, nothing moved.
    response = client.post(f"/deals/{deal.id}/move", data={"stage_id": stages[("distribution", "lost")],
                                                          "version": deal.version + 1}, follow_redirects=True)
    assert "Say why the deal was lost" in response.get_data(as_text=True)
    assert _state(ctx, deal.id)[0] == stages[("distribution", "negotiation")]


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_csrf_is_enforced_on_the_json_endpoint(client, ctx, make_user, make_deal, stages, csrf_on):
    from tests.conftest import PASSWORD

    rep = make_user("rep")
    deal = make_deal(rep, stage="offer")
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page)[1]
    assert client.post("/login", data={"email": rep.email, "password": PASSWORD, "csrf_token": token}).status_code \
        == 302
    target = stages[("distribution", "negotiation")]
    assert _move_json(client, deal.id, target, deal.version).status_code == 400
    assert _state(ctx, deal.id)[2] == 0
    board = client.get("/deals/pipeline?type=distribution").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', board)[1]
    response = client.post(f"/deals/{deal.id}/move", json={"stage_id": target, "version": deal.version},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert _state(ctx, deal.id) == (target, deal.version + 1, 1)


# -- the board -------------------------------------------------------------------------


@pytest.fixture
def rates(app):
    from crm.rates.models import ExchangeRate

    with app.app_context():
        db.session.add_all([
            ExchangeRate(base="USD", currency="CNY", rate_date=dt.date(2017, 5, 24), rate=Decimal("6.885200")),
            ExchangeRate(base="USD", currency="EUR", rate_date=dt.date(2017, 5, 24), rate=Decimal("0.891200")),
            ExchangeRate(base="USD", currency="EUR", rate_date=dt.date(2017, 5, 1), rate=Decimal("0.950000")),
        ])
        db.session.commit()


def test_column_totals_convert_at_the_stated_rate(client, login, ctx, make_user, make_deal, stages, rates):
    """688,520 CNY = 100,000 USD = 89,120 EUR at 6.8852 and 0.8912 (24 May 2017); 89,120 EUR;
    50,000 USD = 44,560 EUR; 5,000,000 JPY has no rate: named, not added. Total 222,800.00 EUR."""
    from crm.auth.models import User
    from crm.deals.queries import BoardFilters, column_totals
    from crm.enums import DealType
    from crm.rates.services import rate_table

    manager = make_user("manager", reporting_currency="EUR")
    for amount, currency in (("688520", "CNY"), ("89120", "EUR"), ("50000", "USD"), ("5000000", "JPY")):
        make_deal(manager, stage="negotiation", amount=Decimal(amount), currency=currency)
    make_deal(manager, stage="offer", amount=Decimal("1000"), currency="USD")
    with ctx() as session:
        totals = column_totals(session.get(User, manager.id), DealType.DISTRIBUTION, BoardFilters(), "EUR",
                               rate_table(dt.date(2026, 1, 1)))
    count, total = totals[stages[("distribution", "negotiation")]]
    assert count == 4
    assert total.amount == Decimal("222800.00")
    assert total.missing == ["JPY"]
    assert total.rate_date == dt.date(2017, 5, 24)
    assert totals[stages[("distribution", "offer")]][1].amount == Decimal("891.20")

    login(manager)
    page = client.get("/deals/pipeline?type=distribution").get_data(as_text=True)
    assert "€222,800.00" in page
    assert "at rates of May 24, 2017" in page
    assert re.search(r"Not added \(no rate\): JPY", page)


def test_board_query_count_is_the_same_for_3_and_30_deals(client, login, make_user, make_deal, count_queries):
    manager = make_user("manager")
    rep = make_user("rep")
    keys = ["lead", "qualified", "offer", "negotiation", "term_sheet", "signed", "regulatory", "won", "lost"]
    for i in range(3):
        make_deal(rep if i % 2 else manager, stage=keys[i])
    login(manager)
    client.get("/deals/pipeline?type=distribution")
    with count_queries() as few:
        assert client.get("/deals/pipeline?type=distribution").status_code == 200
    for i in range(27):
        make_deal(rep if i % 2 else manager, stage=keys[i % len(keys)])
    with count_queries() as many:
        page = client.get("/deals/pipeline?type=distribution").get_data(as_text=True)
    assert len(STAGE_ID_RE.findall(page)) == 30
    assert many.count == few.count, many.statements
    assert many.count <= 10, many.statements


def test_columns_load_a_page_and_more_on_demand(client, login, make_user, make_deal, stages):
    from crm.db_types import utcnow

    rep = make_user("rep")
    start = utcnow() - dt.timedelta(days=30)
    made = [make_deal(rep, stage="offer", stage_entered_at=start + dt.timedelta(hours=i)) for i in range(25)]
    login(rep)
    page = client.get("/deals/pipeline?type=distribution").get_data(as_text=True)
    first = [int(i) for i in STAGE_ID_RE.findall(page)]
    assert first == [d.id for d in reversed(made)][:20]  # newest in the stage first
    link = re.search(r'class="btn load-more"[^>]*href="([^"]+)"', page)
    assert link, page
    href = link[1].replace("&amp;", "&")
    fragment = client.get(href + "&fragment=1").get_data(as_text=True)
    assert "<html" not in fragment
    rest = [int(i) for i in STAGE_ID_RE.findall(fragment)]
    assert rest == [d.id for d in reversed(made)][20:]
    assert "load-more" not in fragment
    full = client.get(href)
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)
    assert client.get("/deals/pipeline/column?type=distribution&stage=999999").status_code == 404
    assert client.get(f"/deals/pipeline/column?type=format&stage={stages[('distribution', 'offer')]}").status_code \
        == 404


def test_board_filters_stay_in_the_url(client, login, make_user, make_company, make_deal, stages):
    manager = make_user("manager")
    rep = make_user("rep", name="Rep Filter")
    french = make_company(country="FR")
    make_deal(manager, stage="offer", name_en="Manager deal", company=french,
              expected_close_date=dt.date(2027, 1, 15))
    make_deal(rep, stage="offer", name_en="Rep deal", expected_close_date=dt.date(2026, 6, 1))
    login(manager)
    page = client.get(f"/deals/pipeline?type=distribution&owner={rep.id}").get_data(as_text=True)
    assert "Rep deal" in page and "Manager deal" not in page
    assert f"owner={rep.id}" in page  # kept in the move forms' and tabs' URLs
    page = client.get("/deals/pipeline?type=distribution&country=fr").get_data(as_text=True)
    assert "Manager deal" in page and "Rep deal" not in page
    page = client.get("/deals/pipeline?type=distribution&close_from=2026-12-01&close_to=2027-02-01").get_data(
        as_text=True)
    assert "Manager deal" in page and "Rep deal" not in page
    page = client.get("/deals/pipeline?type=distribution&close_from=nonsense").get_data(as_text=True)
    assert "Manager deal" in page and "Rep deal" in page
    assert client.get("/deals/pipeline?type=nonsense").status_code == 404


def test_title_filter(client, login, ctx, make_user, make_deal, stages):
    from crm.deals.models import Deal
    from crm.enums import Genre
    from crm.titles.models import Title

    manager = make_user("manager")
    with_title = make_deal(manager, stage="offer", name_en="Chicks deal")
    make_deal(manager, stage="offer", name_en="Other deal")
    with ctx() as session:
        deal = session.get(Deal, with_title.id)
        title = Title(name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre=Genre.ANIMATION)
        session.add(title)
        deal.titles.append(title)
        session.commit()
    login(manager)
    for q in ("rainbow", "彩虹"):
        page = client.get(f"/deals/pipeline?type=distribution&title={q}").get_data(as_text=True)
        assert "Chicks deal" in page and "Other deal" not in page


def test_winning_a_deal_freezes_its_exchange_rate(app, ctx, make_user, make_deal, stages):
    import datetime as dt
    from decimal import Decimal

    from crm.deals.models import Deal, PipelineStage
    from crm.deals.moves import move_deal
    from crm.rates.models import ExchangeRate

    rep = make_user()
    deal = make_deal(rep, stage="regulatory", currency="EUR", amount=Decimal("1000.00"))
    with ctx() as session:
        session.add(ExchangeRate(base="USD", currency="EUR", rate_date=dt.date(2017, 5, 24), rate=Decimal("0.891327")))
        session.commit()
        won = session.get(PipelineStage, stages[("distribution", "won")])
        loaded = session.get(Deal, deal.id)
        move_deal(loaded, won, loaded.owner, expected_version=loaded.version, signed_on=dt.date(2017, 6, 1))
        session.commit()
        assert (loaded.fx_rate, loaded.fx_rate_date) == (Decimal("0.891327"), dt.date(2017, 5, 24))
        # Reopening the deal lets the frozen rate go.
        reopened = session.get(PipelineStage, stages[("distribution", "negotiation")])
        move_deal(loaded, reopened, loaded.owner, expected_version=loaded.version)
        session.commit()
        assert loaded.fx_rate is None


def test_a_stale_board_gets_an_answer_it_can_show(app, client, login, make_user, make_deal, stages, monkeypatch):
    """A drag from a page whose security token no longer matches: JSON in the user's language (the
    board shows it), not the HTML error page; the deal stays where it was."""
    rep = make_user("rep", locale="zh")
    deal = make_deal(rep)
    login(rep)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/deals/{deal.id}/move", json={"stage_id": stages[("distribution", "offer")],
                                                           "version": deal.version},
                           headers={"X-CSRFToken": "stale"})
    assert response.status_code == 400 and response.is_json
    assert "重新加载" in response.json["error"]
    page = client.post(f"/deals/{deal.id}/archive", data={})  # a plain form: the HTML page, same words
    assert page.status_code == 400 and "重新加载" in page.get_data(as_text=True)
    with app.app_context():
        from crm.deals.models import Deal

        assert db.session.get(Deal, deal.id).stage_id == deal.stage_id
