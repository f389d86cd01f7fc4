"""My tasks (ordering, ownership, header count), task editing, and notes on every record type."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from crm.companies.models import Company, Contact
from crm.leads.models import Lead
from crm.meetings.models import Meeting
from crm.tasks.models import Note, Task
from crm.tasks.queries import user_today


def _task(ctx, owner, subject, due_on=None, **fields):
    with ctx() as s:
        task = Task(owner_id=owner.id, subject=subject, due_on=due_on, **fields)
        s.add(task)
        s.commit()
        return task.id


@pytest.fixture
def today(make_user):
    # The rep fixture users live in Asia/Shanghai by default.
    return user_today(type("U", (), {"timezone": "Asia/Shanghai"})())


def test_my_tasks_lists_overdue_first_then_today_then_by_date_then_undated(client, login, make_user, ctx, today):
    rep = make_user()
    _task(ctx, rep, "Undated chore")
    _task(ctx, rep, "Next week call", today + dt.timedelta(days=7))
    _task(ctx, rep, "Today send screener", today)
    _task(ctx, rep, "Overdue contract", today - dt.timedelta(days=3))
    _task(ctx, rep, "Tomorrow follow-up", today + dt.timedelta(days=1))
    done = _task(ctx, rep, "Finished thing", today - dt.timedelta(days=10))
    login(rep)
    client.post(f"/tasks/{done}/complete")
    page = client.get("/tasks/").get_data(as_text=True)
    order = [page.index(s) for s in ("Overdue contract", "Today send screener", "Tomorrow follow-up",
                                     "Next week call", "Undated chore", "Finished thing")]
    assert order == sorted(order)
    assert "task-overdue" in page and "Overdue" in page
    # The done task sits in the "Done" section, after the heading.
    assert page.index("Finished thing") > page.rindex(">Done<")


def test_due_dates_follow_the_ui_language(client, login, make_user, ctx):
    rep = make_user()
    _task(ctx, rep, "Call Hangzhou", dt.date(2031, 3, 9))
    login(rep)
    assert "Mar 9, 2031" in client.get("/tasks/").get_data(as_text=True)
    client.post("/language", data={"lang": "zh"})
    assert "2031年3月9日" in client.get("/tasks/").get_data(as_text=True)


def test_header_count_shows_my_open_tasks(client, login, make_user, ctx, today):
    rep = make_user()
    other = make_user()
    _task(ctx, rep, "One", today - dt.timedelta(days=1))
    _task(ctx, rep, "Two")
    done = _task(ctx, rep, "Three")
    _task(ctx, other, "Not mine")
    login(rep)
    client.post(f"/tasks/{done}/complete")
    page = client.get("/").get_data(as_text=True)
    assert 'class="taskcount has-due"' in page
    assert '<span class="count">2</span>' in page


def test_create_edit_complete_reopen_archive(client, login, make_user, ctx):
    rep = make_user()
    login(rep)
    response = client.post("/tasks/new", data={"subject": "Send cue sheets", "due_on": "2031-01-02", "notes": "M&E"})
    assert response.status_code == 302
    with ctx() as s:
        task = s.scalar(sa.select(Task))
        assert (task.subject, task.due_on, task.notes, task.owner_id) == (
            "Send cue sheets", dt.date(2031, 1, 2), "M&E", rep.id)
        task_id = task.id
    response = client.post(f"/tasks/{task_id}/edit", data={"subject": "Send cue sheets v2", "due_on": ""})
    assert response.status_code == 302
    client.post(f"/tasks/{task_id}/complete")
    with ctx() as s:
        task = s.get(Task, task_id)
        assert task.subject == "Send cue sheets v2" and task.due_on is None and task.done_at is not None
    client.post(f"/tasks/{task_id}/reopen")
    client.post(f"/tasks/{task_id}/archive")
    with ctx() as s:
        task = s.get(Task, task_id)
        assert task.done_at is None and task.archived_at is not None
    assert "Send cue sheets v2" not in client.get("/tasks/").get_data(as_text=True)
    assert "Send cue sheets v2" in client.get("/tasks/?archived=1").get_data(as_text=True)
    client.post(f"/tasks/{task_id}/restore")
    assert "Send cue sheets v2" in client.get("/tasks/").get_data(as_text=True)


def test_task_form_errors_keep_input(client, login, make_user):
    login(make_user())
    page = client.post("/tasks/new", data={"subject": "", "due_on": "next tuesday", "notes": "keep me"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Enter what needs doing." in text
    assert "Enter a date like 2025-03-09." in text
    assert "keep me" in text and "next tuesday" in text


def test_state_changes_need_post(client, login, make_user, ctx):
    rep = make_user()
    task_id = _task(ctx, rep, "Post only")
    login(rep)
    for action in ("complete", "reopen", "archive", "restore"):
        assert client.get(f"/tasks/{task_id}/{action}").status_code == 405


def test_rep_cannot_touch_another_reps_task(client, login, make_user, ctx):
    rep, other = make_user(), make_user()
    theirs = _task(ctx, other, "Their task")
    login(rep)
    assert client.get(f"/tasks/{theirs}/edit").status_code == 404
    for action in ("complete", "reopen", "archive", "restore"):
        assert client.post(f"/tasks/{theirs}/{action}").status_code == 404
    assert "Their task" not in client.get("/tasks/?owner=all").get_data(as_text=True)
    with ctx() as s:
        assert s.get(Task, theirs).done_at is None


def test_manager_filters_by_owner(client, login, make_user, ctx):
    rep, manager = make_user(name="Rep One"), make_user(role="manager")
    _task(ctx, rep, "Rep's task")
    _task(ctx, manager, "Manager's task")
    login(manager)
    mine = client.get("/tasks/").get_data(as_text=True)
    assert "Manager&#39;s task" in mine and "Rep&#39;s task" not in mine
    theirs = client.get(f"/tasks/?owner={rep.id}").get_data(as_text=True)
    assert "Rep&#39;s task" in theirs and "Manager&#39;s task" not in theirs
    both = client.get("/tasks/?owner=all").get_data(as_text=True)
    assert "Rep&#39;s task" in both and "Manager&#39;s task" in both


def test_task_on_a_record_from_its_page(client, login, make_user, make_deal, ctx):
    rep, other = make_user(), make_user()
    deal = make_deal(rep)
    their_deal = make_deal(other)
    login(rep)
    response = client.post("/tasks/new", data={"subject": "Chase the licensee", "subject_type": "deal",
                                               "subject_id": deal.id, "next": f"/deals/{deal.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/deals/{deal.id}")
    assert client.post("/tasks/new", data={"subject": "Sneaky", "subject_type": "deal",
                                           "subject_id": their_deal.id}).status_code == 404
    with ctx() as s:
        assert s.scalar(sa.select(Task.deal_id)) == deal.id
        assert s.scalar(sa.select(sa.func.count(Task.id))) == 1
    page = client.get("/tasks/").get_data(as_text=True)
    assert f"/deals/{deal.id}" in page


def test_my_tasks_uses_a_fixed_number_of_queries(client, login, make_user, make_deal, ctx, count_queries, today):
    rep = make_user()
    login(rep)

    def add(n):
        for i in range(n):
            deal = make_deal(rep)
            with ctx() as s:
                company = Company(name_en=f"Co {i}")
                s.add(company)
                s.flush()
                s.add_all([Task(owner_id=rep.id, subject=f"Job {i}", due_on=today, deal_id=deal.id),
                           Task(owner_id=rep.id, subject=f"Job c{i}", company_id=company.id)])
                s.commit()

    add(2)
    with count_queries() as few:
        client.get("/tasks/")
    add(8)
    with count_queries() as many:
        page = client.get("/tasks/").get_data(as_text=True)
    assert page.count("Job ") >= 20
    assert many.count == few.count, many.statements


# ---- notes -----------------------------------------------------------------

@pytest.fixture
def records(ctx, make_user, make_deal):
    rep, other = make_user(), make_user()
    with ctx() as s:
        company = Company(name_en="Millimages", country="FR")
        contact = Contact(company=company, name_en="Marie Dupont")
        s.add_all([company, contact])
        s.flush()
        lead = Lead(owner_id=rep.id, company_id=company.id)
        their_lead = Lead(owner_id=other.id, company_id=company.id)
        meeting = Meeting(owner_id=rep.id, company_id=company.id, starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        their_meeting = Meeting(owner_id=other.id, starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        s.add_all([lead, their_lead, meeting, their_meeting])
        s.commit()
        ids = {"company": company.id, "contact": contact.id, "lead": lead.id, "meeting": meeting.id,
               "their_lead": their_lead.id, "their_meeting": their_meeting.id}
    deal = make_deal(rep, company=type("C", (), {"id": ids["company"]})())
    their_deal = make_deal(other, company=type("C", (), {"id": ids["company"]})())
    return {"rep": rep, "other": other, "deal": deal.id, "their_deal": their_deal.id, **ids}


@pytest.mark.parametrize("kind", ["deal", "lead", "company", "contact", "meeting"])
def test_note_on_each_subject_type(client, login, records, ctx, kind):
    login(records["rep"])
    response = client.post("/notes", data={"subject_type": kind, "subject_id": records[kind],
                                           "body": f"Note on the {kind}", "next": "/tasks/"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/tasks/")
    with ctx() as s:
        note = s.scalar(sa.select(Note))
        assert note.body == f"Note on the {kind}"
        assert getattr(note, f"{kind}_id") == records[kind]
        assert note.author_id == records["rep"].id


@pytest.mark.parametrize("kind", ["deal", "lead", "meeting"])
def test_no_notes_on_another_reps_records(client, login, records, ctx, kind):
    login(records["rep"])
    response = client.post("/notes", data={"subject_type": kind, "subject_id": records[f"their_{kind}"],
                                           "body": "Sneaky"})
    assert response.status_code == 404
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Note.id))) == 0


def test_note_validation_and_safe_redirect(client, login, records, ctx):
    login(records["rep"])
    bad = [{"subject_type": "nope", "subject_id": 1, "body": "x"},
           {"subject_type": "company", "subject_id": 999999, "body": "x"},
           {"subject_type": "company", "subject_id": "abc", "body": "x"}, {"body": "x"}]
    for data in bad:
        assert client.post("/notes", data=data).status_code == 404
    response = client.post("/notes", data={"subject_type": "company", "subject_id": records["company"],
                                           "body": "  ", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/companies/{records['company']}")
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Write something in the note." in follow
    assert client.get("/notes").status_code == 405
    with ctx() as s:
        assert s.scalar(sa.select(sa.func.count(Note.id))) == 0


def test_note_needs_csrf(app, client, login, records):
    login(records["rep"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/notes", data={"subject_type": "company", "subject_id": records["company"],
                                               "body": "x"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
