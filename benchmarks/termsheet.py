"""Term-sheet PDFs: Chinese costs no more than Latin text, re-downloads are instant,
memory stays flat (issue 5).

    .venv/bin/python benchmarks/termsheet.py                 # SQLite, demo data in a temp folder
    .venv/bin/python benchmarks/termsheet.py --renders 50    # a quicker memory run

Builds the demo story in a temporary SQLite database and takes its two-page
distribution deal (West Lake Legends, German-speaking Europe). In one run it prints:

1. the bilingual term sheet's HTML → PDF time, p50 over interleaved rounds, next to
   the same HTML with every Chinese character replaced by Latin letters (same
   template, same layout rules, Latin text only), and their ratio (target ≤ 1.3×);
2. the p50 of re-downloading a stored version through the app (target < 20 ms);
3. the process's peak RSS after one render (target < 300 MB), and its RSS after a
   warm-up and after ``--renders`` more full renders (target: no growth).

It also says whether HarfBuzz's subsetter is in use: without libharfbuzz-subset0
WeasyPrint subsets the 65,000-glyph CJK font with fontTools, ~25x slower.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import sqlalchemy as sa  # noqa: E402

from crm import create_app  # noqa: E402
from crm.extensions import db  # noqa: E402

DEAL = "West Lake Legends — German-speaking Europe"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
RATIO_TARGET, DOWNLOAD_TARGET_MS, PEAK_TARGET_MB = 1.3, 20.0, 300.0


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def pdf_ms(html: str) -> tuple[float, int]:
    from weasyprint import HTML

    from crm.termsheets.fetcher import BASE_URL, safe_fetcher
    from crm.termsheets.render import font_config, release_memory

    start = time.perf_counter()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=safe_fetcher()).render(font_config=font_config())
    document.write_pdf()
    pages = len(document.pages)
    del document
    release_memory()  # as render_pdf does
    return (time.perf_counter() - start) * 1000, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved timing rounds (default 15)")
    parser.add_argument("--renders", type=int, default=200, help="renders for the memory check (default 200)")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="crm-termsheet-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "CRM_ENV": "development",
                      "WTF_CSRF_ENABLED": False})
    from crm.deals.models import Deal
    from crm.demo import seed_demo
    from crm.termsheets import fonts
    from crm.termsheets.render import render_html, render_pdf
    from crm.termsheets.services import generate

    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
    print(f"CJK font: {fonts.cjk_font_family()}; HarfBuzz subsetting: "
          f"{'yes' if fonts.fast_subsetting() else 'NO (fontTools fallback: install libharfbuzz-subset0)'}")

    with app.test_request_context():
        deal = db.session.scalars(sa.select(Deal).where(Deal.name_en == DEAL)).one()
        bilingual = render_html(deal, "bilingual", for_pdf=True, font_family=fonts.cjk_font_family())
        latin = CJK.sub("Mn", bilingual)
        baseline = rss_mb()
        pdf_ms(bilingual)  # warm-up: font loading and caches
        memory_after_first = peak_mb()
        pdf_ms(latin)
        times = {"bilingual": [], "latin": []}
        pages = {}
        for _ in range(args.rounds):
            for name, html in (("bilingual", bilingual), ("latin", latin)):
                ms, pages[name] = pdf_ms(html)
                times[name].append(ms)
        bi, la = statistics.median(times["bilingual"]), statistics.median(times["latin"])
        ratio = bi / la
        print(f"bilingual term sheet ({pages['bilingual']} pages): p50 {bi:.0f} ms; same template, Latin text only "
              f"({pages['latin']} pages): p50 {la:.0f} ms; ratio {ratio:.2f}x (target <= {RATIO_TARGET}x) "
              f"{'OK' if ratio <= RATIO_TARGET else 'MISSED'}")

        user = deal.owner
        sheet = generate(deal, "bilingual", user)
        db.session.commit()
        sheet_id, owner_email = sheet.id, user.email

    client = app.test_client()
    client.post("/login", data={"email": owner_email, "password": "mipchina2017"})
    url = f"/term-sheets/{sheet_id}/download"
    downloads = []
    for i in range(203):
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        if i >= 3:
            downloads.append(elapsed)
    d50 = statistics.median(downloads)
    print(f"re-download of a stored version ({len(response.data):,} bytes): p50 {d50:.1f} ms "
          f"({d50 / DOWNLOAD_TARGET_MS:.2f} of the {DOWNLOAD_TARGET_MS:.0f} ms target)")

    with app.test_request_context():
        deal = db.session.scalars(sa.select(Deal).where(Deal.name_en == DEAL)).one()
        for _ in range(10):
            render_pdf(deal, "bilingual")
        before = rss_mb()
        for _ in range(args.renders):
            render_pdf(deal, "bilingual")
        after = rss_mb()
    print(f"memory: RSS before the first render {baseline:.0f} MB (app, demo data, libraries loaded); "
          f"peak RSS after the first render {memory_after_first:.0f} MB (target < {PEAK_TARGET_MB:.0f} MB); "
          f"RSS after 10 warm-up renders {before:.0f} MB, after {args.renders} more {after:.0f} MB "
          f"(growth {after - before:+.0f} MB); peak over the run {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
