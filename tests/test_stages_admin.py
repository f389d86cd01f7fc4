"""Stages admin: bilingual names, probability, won/lost rules, order, new stages, deactivation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.deals.models import PipelineStage


def _stage(ctx, stage_id) -> PipelineStage:
    with ctx() as session:
        stage = session.get(PipelineStage, stage_id)
        session.expunge(stage)
        return stage


def _order(ctx, deal_type="distribution") -> list[str]:
    with ctx() as session:
        return list(session.scalars(sa.select(PipelineStage.key).where(PipelineStage.deal_type == deal_type)
                                    .order_by(PipelineStage.position, PipelineStage.id)))


def _form(stage: PipelineStage, **overrides) -> dict:
    data = {"name_en": stage.name_en, "name_zh": stage.name_zh, "probability": str(stage.probability)}
    for flag in ("is_won", "is_lost", "active"):
        if getattr(stage, flag):
            data[flag] = "y"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin")
    login(user)
    return user


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_stages_admin_is_admin_only(client, make_user, login, stages, role):
    login(make_user(role))
    stage_id = stages[("distribution", "offer")]
    assert client.get("/admin/stages").status_code == 403
    assert client.get(f"/admin/stages/{stage_id}").status_code == 403
    assert client.post(f"/admin/stages/{stage_id}", data={}).status_code == 403
    assert client.post(f"/admin/stages/{stage_id}/move", data={"direction": "up"}).status_code == 403
    assert client.post("/admin/stages/new?type=distribution", data={}).status_code == 403


def test_list_shows_stages_in_order_per_type(client, admin, stages):
    html = client.get("/admin/stages?type=coproduction").get_data(as_text=True)
    assert html.index("Lead (met at a market)") < html.index("Development") < html.index("Financing closed")
    assert "融资完成" in html
    assert client.get("/admin/stages?type=nope").status_code == 404


def test_rename_with_chinese_name_and_probability(client, ctx, admin, stages):
    stage = _stage(ctx, stages[("distribution", "offer")])
    response = client.post(f"/admin/stages/{stage.id}", data=_form(stage, name_en="Offer sent",
                                                                  name_zh="已报价（含授权地域）", probability="35"))
    assert response.status_code == 302
    saved = _stage(ctx, stage.id)
    assert (saved.name_en, saved.name_zh, saved.probability) == ("Offer sent", "已报价（含授权地域）", 35)
    assert "已报价（含授权地域）" in client.get("/admin/stages").get_data(as_text=True)


@pytest.mark.parametrize("value", ["101", "-1", "abc", ""])
def test_probability_out_of_range_is_rejected_and_input_kept(client, ctx, admin, stages, value):
    stage = _stage(ctx, stages[("distribution", "offer")])
    response = client.post(f"/admin/stages/{stage.id}", data=_form(stage, name_en="Typed name", probability=value))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="probability-err"' in html
    assert 'value="Typed name"' in html
    assert _stage(ctx, stage.id).probability == 30


def test_won_and_lost_together_is_rejected(client, ctx, admin, stages):
    stage = _stage(ctx, stages[("distribution", "won")])
    response = client.post(f"/admin/stages/{stage.id}", data=_form(stage, is_lost="y"))
    assert response.status_code == 200
    assert "cannot be both won and lost" in response.get_data(as_text=True)
    saved = _stage(ctx, stage.id)
    assert saved.is_won and not saved.is_lost


def test_cannot_remove_the_last_won_or_lost_stage(client, ctx, admin, stages):
    won = _stage(ctx, stages[("distribution", "won")])
    response = client.post(f"/admin/stages/{won.id}", data=_form(won, is_won=None))
    assert response.status_code == 200
    assert "needs one won stage" in response.get_data(as_text=True)
    assert _stage(ctx, won.id).is_won
    response = client.post(f"/admin/stages/{won.id}", data=_form(won, active=None))
    assert "must stay active" in response.get_data(as_text=True)
    assert _stage(ctx, won.id).active
    lost = _stage(ctx, stages[("distribution", "lost")])
    response = client.post(f"/admin/stages/{lost.id}", data=_form(lost, is_lost=None))
    assert "needs one lost stage" in response.get_data(as_text=True)


def test_marking_another_stage_won_moves_the_flag(client, ctx, admin, stages):
    regulatory = _stage(ctx, stages[("distribution", "regulatory")])
    assert client.post(f"/admin/stages/{regulatory.id}", data=_form(regulatory, is_won="y")).status_code == 302
    with ctx() as session:
        won = session.scalars(sa.select(PipelineStage.key).where(
            PipelineStage.deal_type == "distribution", PipelineStage.is_won)).all()
    assert won == ["regulatory"]


def test_reorder(client, ctx, admin, stages):
    offer = stages[("distribution", "offer")]
    assert client.post(f"/admin/stages/{offer}/move", data={"direction": "up"}).status_code == 302
    assert _order(ctx)[:4] == ["lead", "offer", "qualified", "negotiation"]
    client.post(f"/admin/stages/{offer}/move", data={"direction": "down"})
    client.post(f"/admin/stages/{offer}/move", data={"direction": "down"})
    assert _order(ctx)[:4] == ["lead", "qualified", "negotiation", "offer"]
    first = stages[("distribution", "lead")]
    client.post(f"/admin/stages/{first}/move", data={"direction": "up"})  # already first: no change
    assert _order(ctx)[0] == "lead"
    assert _order(ctx, "acquisition")[:3] == ["lead", "qualified", "offer"]  # other types untouched


def test_add_stage_goes_before_won_and_lost(client, ctx, admin, stages):
    response = client.post("/admin/stages/new?type=distribution",
                           data={"name_en": "Screening", "name_zh": "审片", "probability": "40"})
    assert response.status_code == 302
    order = _order(ctx)
    assert order[-3:] == ["screening", "won", "lost"]
    response = client.post("/admin/stages/new?type=distribution",
                           data={"name_en": "Screening", "name_zh": "", "probability": "140"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="name_zh-err"' in html and 'id="probability-err"' in html


def test_deactivate_refused_while_deals_are_in_the_stage(client, ctx, admin, stages, make_deal):
    make_deal(admin, stage="offer")
    offer = _stage(ctx, stages[("distribution", "offer")])
    response = client.post(f"/admin/stages/{offer.id}", data=_form(offer, active=None))
    assert response.status_code == 200
    assert "1 deals are in this stage" in response.get_data(as_text=True) or "move them" in response.get_data(
        as_text=True)
    assert _stage(ctx, offer.id).active
    qualified = _stage(ctx, stages[("distribution", "qualified")])
    assert client.post(f"/admin/stages/{qualified.id}", data=_form(qualified, active=None)).status_code == 302
    assert not _stage(ctx, qualified.id).active


def test_delete_only_unused_open_stages(client, ctx, admin, stages, make_deal):
    client.post("/admin/stages/new?type=distribution", data={"name_en": "Typo", "name_zh": "错误", "probability": "1"})
    with ctx() as session:
        typo = session.scalar(sa.select(PipelineStage.id).where(PipelineStage.key == "typo"))
    assert client.post(f"/admin/stages/{typo}/delete").status_code == 302
    assert "typo" not in _order(ctx)
    assert _order(ctx)[-2:] == ["won", "lost"]

    make_deal(admin, stage="offer", archived_at=None)
    for key in ("offer", "won", "lost"):
        stage_id = stages[("distribution", key)]
        response = client.post(f"/admin/stages/{stage_id}/delete", follow_redirects=True)
        assert "cannot be deleted" in response.get_data(as_text=True) or "deactivate it instead" in \
            response.get_data(as_text=True)
        assert _stage(ctx, stage_id) is not None
