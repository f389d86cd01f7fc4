"""List and search pages at size: p50 response times against the 50 ms target.

    .venv/bin/python benchmarks/lists.py                      # N=100000 on SQLite
    .venv/bin/python benchmarks/lists.py --scale 20000        # a quicker run
    .venv/bin/python benchmarks/lists.py --database-url postgresql://postgres@127.0.0.1/crm_bench

Builds (or reuses) a database holding the demo story plus the generated
dataset of ``flask crm seed-demo --scale N`` (N=100000: 20,000 companies,
50,000 contacts, 200,000 meetings, 100,000 deals), then requests each page
through the Flask test client, signed in as the demo manager and as a demo
rep, and prints the median of ``--requests`` timed requests per page. See
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import sqlalchemy as sa  # noqa: E402

from crm import create_app  # noqa: E402
from crm.extensions import db  # noqa: E402

TARGET_MS = 50.0
PASSWORD = "mipchina2017"  # noqa: S105 - the documented demo password (crm/demo.py)
USERS = {"manager": "manager@demo.example", "rep": "rep@demo.example"}


def default_url(n: int) -> str:
    folder = os.path.join(ROOT, "instance")
    os.makedirs(folder, exist_ok=True)
    return "sqlite:///" + os.path.join(folder, f"bench-scale-{n}.sqlite3")


def ensure_dataset(url: str, n: int, rebuild: bool = False, echo=print):
    """An app on ``url`` holding the demo story and the scale-``n`` dataset
    (created when missing, reused otherwise). Shared with other benchmarks."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CRM_ENV": "development", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from crm.demo import seed_demo
        from crm.scale import existing_scale, seed_scale

        inspector = sa.inspect(db.engine)
        if rebuild and inspector.has_table("users"):
            echo("Dropping the existing tables (--rebuild)...")
            db.drop_all()
        if not sa.inspect(db.engine).has_table("search_terms"):
            db.create_all()
        present = existing_scale()
        if present == n:
            echo(f"Reusing the scale-{n} dataset in {url}")
            return app
        if present is not None:
            raise SystemExit(f"{url} holds a scale-{present} dataset; pass --rebuild or another --database-url.")
        started = time.perf_counter()
        echo(f"Generating the scale-{n} dataset in {url} (once; later runs reuse it)...")
        seed_demo()
        db.session.commit()
        seed_scale(n, progress=echo)
        db.session.commit()
        echo(f"Generated in {time.perf_counter() - started:.0f} s; analysing...")
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    return app


def pinyin_queries(app) -> dict[str, str]:
    """Realistic searches: a generated contact's full pinyin name, and a common surname."""
    from crm.companies.models import Contact

    with app.app_context():
        name = db.session.scalar(
            sa.select(Contact.name_en).where(Contact.email.like("%.scale.example"), Contact.name_zh.is_not(None))
            .order_by(Contact.id).offset(100).limit(1)
        ) or "Chen Hao"
    return {"full": name.replace(" ", "").lower(), "surname": "wang"}


def login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as {email}: {response.status_code}")


def p50(client, url: str, requests: int) -> tuple[float, int]:
    """Median milliseconds of ``requests`` GETs (after 3 warm-up requests) and the response size."""
    size = 0
    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        size = len(response.data)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return statistics.median(times), size


def explain_search(app, q: str) -> str:
    """The database's plan for a contact search: the prefix range must use the index."""
    from crm.companies.models import Contact
    from crm.search import search_clause

    with app.app_context():
        stmt = sa.select(Contact.id).where(search_clause(Contact, q))
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            rows = db.session.execute(sa.text("EXPLAIN QUERY PLAN " + sql))
            return "\n".join(f"    {row[-1]}" for row in rows)
        rows = db.session.execute(sa.text("EXPLAIN " + sql))
        return "\n".join(f"    {row[0]}" for row in rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="N of seed-demo --scale (default 100000)")
    parser.add_argument("--database-url", help="default: SQLite file instance/bench-scale-N.sqlite3")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--rebuild", action="store_true", help="drop and regenerate the dataset")
    args = parser.parse_args(argv)

    url = args.database_url or default_url(args.scale)
    app = ensure_dataset(url, args.scale, rebuild=args.rebuild)
    queries = pinyin_queries(app)
    pages = [
        ("companies list", "/companies/"),
        (f"contact search ?q={queries['full']}", f"/contacts/?q={queries['full']}"),
        (f"contact search ?q={queries['surname']}", f"/contacts/?q={queries['surname']}"),
        ("meetings list", "/meetings/"),
        (f"global search ?q={queries['full']}", f"/search/?q={queries['full']}"),
        ("global search ?q=lt", "/search/?q=lt"),
    ]
    with app.app_context():
        dialect = db.engine.dialect.name
    print(f"\nDatabase: {dialect}, scale {args.scale}; p50 of {args.requests} requests per page "
          f"(target {TARGET_MS:.0f} ms)")
    print(f"Plan of the contact search ?q={queries['full']}:\n{explain_search(app, queries['full'])}")
    worst = 0.0
    for role, email in USERS.items():
        client = app.test_client()
        login(client, email)
        print(f"\nSigned in as the demo {role} ({email}):")
        for label, path in pages:
            ms, size = p50(client, path, args.requests)
            worst = max(worst, ms / TARGET_MS)
            flag = "" if ms <= TARGET_MS else "  << over target"
            print(f"  {label}: p50 {ms:.1f} ms ({ms / TARGET_MS:.2f} of the {TARGET_MS:.0f} ms target, "
                  f"{size // 1024} KiB){flag}")
    print(f"\nWorst ratio: {worst:.2f} of the target.")
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
