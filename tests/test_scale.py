"""The large generated dataset: ``flask --app wsgi crm seed-demo --scale N`` (crm/scale.py)."""

from __future__ import annotations

import sqlalchemy as sa

from crm.companies.models import Company, Contact
from crm.deals.models import Deal, PipelineStage, StageChange
from crm.events.models import Event
from crm.extensions import db
from crm.leads.models import Lead
from crm.meetings.models import Meeting
from crm.scale import counts_for
from crm.search import search_clause
from crm.tasks.models import Task
from crm.titles.models import Title

N = 200


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _empty(app):
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def _snapshot():
    return {
        "companies": db.session.scalars(sa.select(Company.name_en).order_by(Company.id)).all(),
        "contacts": db.session.scalars(sa.select(Contact.name_zh).order_by(Contact.id)).all(),
        "deals": db.session.execute(
            sa.select(Deal.name_en, Deal.amount, Deal.currency, Deal.expected_close_date).order_by(Deal.id)).all(),
    }


def test_counts_scale_with_n():
    big = counts_for(100_000)
    assert (big["deals"], big["companies"], big["contacts"], big["meetings"]) == (100_000, 20_000, 50_000, 200_000)
    assert big["leads"] == 25_000 and big["tasks"] == 10_000


def test_seed_scale_creates_the_expected_counts(app, runner):
    result = runner.invoke(args=["crm", "seed-demo", "--scale", str(N)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        demo_companies = _count(Company, ~Company.website.like("%.scale.example"))
        assert _count(Company) - demo_companies == N // 5
        assert _count(Contact, Contact.email.like("%.scale.example")) == N // 2
        assert _count(Meeting, Meeting.company_id.in_(
            sa.select(Company.id).where(Company.website.like("%.scale.example")))) == 2 * N
        assert _count(Deal, Deal.name_zh.like("%项目 #%")) == N
        assert _count(Lead) >= N // 4 and _count(Task) >= N // 10
        assert _count(Title) > 5 and _count(Event) > 2
        # Every generated deal has a stage history ending at its stage.
        no_history = _count(Deal, ~sa.exists().where(StageChange.deal_id == Deal.id))
        assert no_history == 0
        last_stage_mismatch = _count(Deal, Deal.stage_id != sa.select(StageChange.to_stage_id).where(
            StageChange.deal_id == Deal.id).order_by(StageChange.changed_at.desc(), StageChange.id.desc())
            .limit(1).scalar_subquery())
        assert last_stage_mismatch == 0
        # Several currencies, owners, types and stages, dates 2017–2027.
        generated = Deal.name_zh.like("%项目 #%")
        assert set(db.session.scalars(sa.select(Deal.currency).where(generated).distinct())) >= {"CNY", "EUR", "USD"}
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Deal.owner_id))).where(generated)) >= 10
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Deal.deal_type))).where(generated)) == 5
        lost = _count(Deal, generated, Deal.stage_id.in_(sa.select(PipelineStage.id).where(PipelineStage.is_lost)))
        assert lost > 0 and _count(Deal, generated, Deal.stage_id.in_(
            sa.select(PipelineStage.id).where(PipelineStage.is_lost)), Deal.lost_reason.is_(None)) == 0
        years = db.session.execute(sa.select(sa.func.min(Deal.expected_close_date),
                                             sa.func.max(Deal.expected_close_date)).where(generated)).one()
        assert years[0].year >= 2017 and years[1].year <= 2027
        # Generated records are in the search index (bulk-computed terms).
        some = db.session.scalar(sa.select(Company).where(Company.website.like("%.scale.example")).limit(1))
        assert some.search_key
        word = some.name_en.split()[0]
        assert some.id in db.session.scalars(sa.select(Company.id).where(search_clause(Company, word))).all()


def test_second_run_does_not_duplicate(app, runner):
    assert runner.invoke(args=["crm", "seed-demo", "--scale", str(N)]).exit_code == 0
    with app.app_context():
        before = {m.__name__: _count(m) for m in (Company, Contact, Meeting, Deal, Lead, Task, StageChange)}
    result = runner.invoke(args=["crm", "seed-demo", "--scale", str(N)])
    assert result.exit_code == 0, result.output
    assert "already present" in result.output
    with app.app_context():
        assert {m.__name__: _count(m) for m in (Company, Contact, Meeting, Deal, Lead, Task, StageChange)} == before
    other = runner.invoke(args=["crm", "seed-demo", "--scale", "300"])
    assert other.exit_code != 0 and "scale 200" in other.output


def test_same_n_gives_the_same_data(app, runner):
    assert runner.invoke(args=["crm", "seed-demo", "--scale", str(N)]).exit_code == 0
    with app.app_context():
        first = _snapshot()
    _empty(app)
    assert runner.invoke(args=["crm", "seed-demo", "--scale", str(N)]).exit_code == 0
    with app.app_context():
        second = _snapshot()
    assert first == second
    assert len(set(first["companies"])) == len(first["companies"])  # names are unique


def test_generated_users_can_sign_in_and_lists_render(app, runner, client):
    assert runner.invoke(args=["crm", "seed-demo", "--scale", str(N)]).exit_code == 0
    response = client.post("/login", data={"email": "rep01@scale.example", "password": "mipchina2017"})
    assert response.status_code == 302
    for url in ("/companies/", "/contacts/?q=wang", "/meetings/", "/search/?q=hangzhou"):
        assert client.get(url).status_code == 200, url
