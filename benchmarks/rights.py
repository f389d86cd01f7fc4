"""Rights availability at size: p50 of availability checks against 1,000,000 grants.

    .venv/bin/python benchmarks/rights.py                        # 1,000,000 grants on SQLite
    .venv/bin/python benchmarks/rights.py --grants 200000        # a quicker run
    .venv/bin/python benchmarks/rights.py --database-url postgresql://postgres@127.0.0.1/crm_bench_rights

Builds (or reuses) a database of its own holding ~20,000 titles and N grants
(territory sets of 1-5 countries or groups, sometimes "worldwide excluding",
1-4 media, periods over 2015-2030, 70% exclusive), inserted in chunks of
50,000 (executemany on SQLite, COPY on PostgreSQL), then ANALYZE. Then times K random
realistic requests through ``check_availability`` (the whole service: the
candidate query, the territory and media sets of the candidates, the soft-hold
query, the names) and the candidate SQL query alone, and prints the plan of
the candidate query (it must search ``ix_rights_grants_title_period`` and the
primary keys of the territory and media tables, never scan them).

Prints ``rights check vs 1,000,000 grants: p50 X ms (Y of the 50 ms target)``;
the exit status is 1 when over the target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import sqlalchemy as sa  # noqa: E402

from crm import create_app  # noqa: E402
from crm.extensions import db  # noqa: E402

TARGET_MS = 50.0
TITLES = 20_000
CHUNK = 50_000
FIRST_DAY, LAST_DAY = dt.date(2015, 1, 1), dt.date(2030, 12, 31)
MEDIA = ["free_tv", "pay_tv", "satellite", "svod", "avod", "tvod", "theatrical", "home_video", "ancillary"]
# Markets weighted roughly as a distributor's sales go.
MARKETS = (
    ["CN"] * 8 + ["HK", "TW", "MO"] * 2 + ["US"] * 5 + ["GB", "FR", "DE", "JP", "KR", "IT", "ES", "CA", "AU"] * 3
    + ["BR", "MX", "IN", "SG", "MY", "TH", "VN", "ID", "PH", "NL", "BE", "CH", "SE", "NO", "DK", "FI", "PL",
       "PT", "IE", "AT", "RU", "TR", "AE", "SA", "ZA", "NZ", "AR", "CL", "CO", "IL"]
)
GROUP_CODES = ["WW", "GREATER_CHINA", "CN_MAINLAND", "EU", "FRANCOPHONE_EUROPE"]


def default_url(n: int) -> str:
    folder = os.path.join(ROOT, "instance")
    os.makedirs(folder, exist_ok=True)
    return "sqlite:///" + os.path.join(folder, f"bench-rights-{n}.sqlite3")


def random_territories(rng: random.Random) -> list[tuple[str, bool]]:
    roll = rng.random()
    if roll < 0.10:  # worldwide, often excluding a market or two
        excluded = rng.sample(["CN", "GREATER_CHINA", "US", "FR", "JP", "KR"], rng.choice([0, 1, 1, 2]))
        return [("WW", False)] + [(c, True) for c in excluded]
    if roll < 0.25:
        return [(rng.choice(GROUP_CODES[1:]), False)] + [(c, False) for c in rng.sample(MARKETS, rng.randint(0, 2))
                                                        if c]
    codes = []
    for _ in range(rng.randint(1, 5)):
        code = rng.choice(MARKETS)
        if code not in codes:
            codes.append(code)
    return [(c, False) for c in codes]


def random_period(rng: random.Random, max_years: int = 7) -> tuple[dt.date, dt.date]:
    span = (LAST_DAY - FIRST_DAY).days
    start = FIRST_DAY + dt.timedelta(days=rng.randrange(span))
    end = min(start + dt.timedelta(days=rng.randint(1, max_years) * 365 - 1), LAST_DAY)
    return start, end


def _dedupe(entries):
    seen = {}
    for code, excluded in entries:
        seen.setdefault(code, excluded)
    return list(seen.items())


def generate(n: int, echo=print) -> None:
    """Titles and ``n`` grants with their territory and media rows, in chunks."""
    from crm.titles.models import Title

    rng = random.Random(20170523)
    engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(Title.__table__.insert(), [
            {"id": i, "name_en": f"Bench title {i}", "genre": "animation" if i % 3 else "documentary",
             "search_key": ""}
            for i in range(1, TITLES + 1)
        ])
    now = dt.datetime.now(dt.UTC)
    done = 0
    while done < n:
        size = min(CHUNK, n - done)
        grants, territories, media = [], [], []
        for gid in range(done + 1, done + size + 1):
            start, end = random_period(rng)
            grants.append((gid, rng.randint(1, TITLES), rng.random() < 0.7, start, end))
            territories.extend((gid, code, excluded) for code, excluded in _dedupe(random_territories(rng)))
            media.extend((gid, m) for m in rng.sample(MEDIA, rng.randint(1, 4)))
        with engine.begin() as conn:
            if postgres:
                raw = conn.connection.driver_connection
                with raw.cursor() as cur:
                    with cur.copy("COPY rights_grants (id, title_id, exclusive, starts_on, ends_on, created_at) "
                                  "FROM STDIN") as copy:
                        for row in grants:
                            copy.write_row((*row, now))
                    with cur.copy("COPY rights_grant_territories (grant_id, code, excluded) FROM STDIN") as copy:
                        for row in territories:
                            copy.write_row(row)
                    with cur.copy("COPY rights_grant_media (grant_id, medium) FROM STDIN") as copy:
                        for row in media:
                            copy.write_row(row)
            else:  # executemany of plain tuples: SQLite stores dates as ISO text, booleans as 0/1
                stamp = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
                conn.exec_driver_sql(
                    "INSERT INTO rights_grants (id, title_id, exclusive, starts_on, ends_on, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(g, t, int(x), s.isoformat(), e.isoformat(), stamp) for g, t, x, s, e in grants],
                )
                conn.exec_driver_sql("INSERT INTO rights_grant_territories (grant_id, code, excluded) VALUES (?, ?, ?)",
                                     [(g, c, int(x)) for g, c, x in territories])
                conn.exec_driver_sql("INSERT INTO rights_grant_media (grant_id, medium) VALUES (?, ?)", media)
        done += size
        if done % 200_000 == 0 or done == n:
            echo(f"  {done:,} grants ({time.perf_counter() - started:.0f} s)")
    with engine.begin() as conn:
        if postgres:
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('rights_grants', 'id'), :n)"), {"n": n})
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('titles', 'id'), :n)"), {"n": TITLES})
        conn.execute(sa.text("ANALYZE"))
    echo(f"Generated {n:,} grants in {time.perf_counter() - started:.0f} s")


def ensure_dataset(url: str, n: int, rebuild: bool = False, echo=print):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CRM_ENV": "development", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from crm.deals.models import RightsGrant
        from crm.deals.stages import ensure_default_stages

        if rebuild:
            echo("Dropping the existing tables (--rebuild)...")
            db.drop_all()
        if not sa.inspect(db.engine).has_table("rights_grants"):
            db.create_all()
        present = db.session.scalar(sa.select(sa.func.count()).select_from(RightsGrant))
        if present == n:
            echo(f"Reusing the {n:,}-grant dataset in {url}")
            return app
        if present:
            raise SystemExit(f"{url} holds {present:,} grants; pass --rebuild or another --database-url.")
        ensure_default_stages()
        db.session.commit()
        db.session.remove()
        echo(f"Generating {n:,} grants in {url} (once; later runs reuse it)...")
        generate(n, echo)
    return app


def requests(k: int, seed: int = 2017) -> list[dict]:
    """Realistic availability requests: a title, 1-3 markets or a group, 1-3 media, 1-5 years."""
    rng = random.Random(seed)
    out = []
    for _ in range(k):
        roll = rng.random()
        if roll < 0.15:
            territories = "WW -CN" if rng.random() < 0.5 else "WW"
        elif roll < 0.35:
            territories = rng.choice(GROUP_CODES[1:])
        else:
            territories = " ".join(dict.fromkeys(rng.choice(MARKETS) for _ in range(rng.randint(1, 3))))
        start, end = random_period(rng, max_years=5)
        out.append({
            "title_ids": [rng.randint(1, TITLES)], "territories": territories,
            "media": rng.sample(MEDIA, rng.randint(1, 3)), "start": start, "end": end,
            "exclusive": rng.random() < 0.7,
        })
    return out


def explain(stmt) -> str:
    engine = db.engine
    sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql).all()
            return "\n".join(r[0] for r in rows)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
        return "\n".join(f"{'  ' * (r[1] > 0)}{r[-1]}" for r in rows)


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grants", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--checks", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    url = args.database_url or default_url(args.grants)

    app = ensure_dataset(url, args.grants, args.rebuild)
    from crm.rights.services import check_availability, grant_candidates_stmt
    from crm.territories import parse_territory_text

    reqs = requests(args.checks)
    with app.app_context():
        def stmt_for(r):
            entries = parse_territory_text(r["territories"])
            from crm.territories import expand_territories

            countries = expand_territories([c for c, x in entries if not x], [c for c, x in entries if x])
            return grant_candidates_stmt(r["title_ids"], countries, r["media"], r["start"], r["end"], r["exclusive"])

        print(f"Plan of the candidate query ({db.engine.dialect.name}, request: {reqs[0]['territories']}):")
        print(explain(stmt_for(reqs[0])))
        wide = next((r for r in reqs if r["territories"].startswith("WW")), None)
        if wide:
            print(f"Plan for a worldwide request ({wide['territories']}):")
            print(explain(stmt_for(wide)))

        for r in reqs[:3]:  # warm-up
            check_availability(**r)
        service, query, found, candidates = [], [], 0, 0
        for r in reqs:
            db.session.remove()
            t0 = time.perf_counter()
            conflicts = check_availability(**r)
            service.append(time.perf_counter() - t0)
            found += len(conflicts)
            stmt = stmt_for(r)
            t0 = time.perf_counter()
            rows = db.session.execute(stmt).all()
            query.append(time.perf_counter() - t0)
            candidates += len(rows)
        db.session.remove()

    p50 = _ms(service)
    size = f"{args.grants:,}"
    print(f"{len(reqs)} checks: {found} conflicts found, {candidates} candidate grants read in SQL "
          f"({candidates / len(reqs):.1f} a check)")
    print(f"candidate SQL query alone: p50 {_ms(query):.2f} ms, max {max(query) * 1000:.2f} ms")
    print(f"rights check vs {size} grants: p50 {p50:.2f} ms ({p50 / TARGET_MS:.2f} of the {TARGET_MS:.0f} ms target)"
          f"; max {max(service) * 1000:.2f} ms")
    if args.grants != 1_000_000:
        print(f"(dataset of {size} grants, not the 1,000,000 of the target)")
    return 0 if p50 <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
