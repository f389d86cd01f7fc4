"""Load test: 50 simulated reps and managers for 60 s against gunicorn on loopback.

    .venv/bin/python benchmarks/load.py        # SQLite, scale 20000 (instance/bench-scale-20000.sqlite3)
    .venv/bin/python benchmarks/load.py --database-url postgresql://postgres@127.0.0.1:5432/test_load

Builds (or reuses) the dataset of benchmarks/lists.py (the demo story plus
``seed-demo --scale N``), starts gunicorn on a free loopback port against it, signs
in every simulated user (the demo rep and the scale dataset's reps
rep01@scale.example…, the demo manager; password mipchina2017), then runs a closed
loop per user for ``--duration`` seconds: pick a request by the role's weights, send
it, wait a think time, repeat. The mix: deal, company and meeting lists, the board,
global and contact search, deal pages, deal edits through the edit form (with its
version), stage moves (POST /deals/<id>/move, JSON with the X-CSRFToken header),
the dashboard, term-sheet previews and generation.

Errors are any 5xx, any "database is locked" (in a response or in gunicorn's log)
and any connection error or timeout; 409 (a version conflict, which the app answers
on purpose when two users edit one deal) and other 4xx are counted by status but are
not errors. Writes RPS, p50/p95/p99 and the errors per request kind and overall to
``benchmarks/results/load-<database>-<time>.json`` and prints them. See
benchmarks/README.md ("Load").
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import http.client
import json
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import sqlalchemy as sa  # noqa: E402

from benchmarks.lists import PASSWORD, default_url, ensure_dataset  # noqa: E402

TARGET_P95_MS = 300.0
MANAGER = "manager@demo.example"
DEMO_REP = "rep@demo.example"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DEAL_TYPES = ("distribution", "presale", "acquisition", "coproduction", "format")
SEARCHES = ("wang", "li", "zhang", "pictures", "animation", "media", "chen", "film", "tv", "liu")

# Request kinds and their weights per role (a rep sees and changes their own deals only).
WEIGHTS = {
    "rep": {"deals_list": 12, "board": 10, "search": 10, "contact_search": 6, "companies_list": 6,
            "meetings_list": 6, "deal_detail": 16, "deal_edit": 8, "stage_move": 10, "dashboard": 8,
            "termsheet_preview": 6, "termsheet_generate": 2},
    "manager": {"deals_list": 10, "board": 10, "search": 10, "contact_search": 6, "companies_list": 8,
                "meetings_list": 6, "deal_detail": 16, "deal_edit": 4, "stage_move": 4, "dashboard": 16,
                "termsheet_preview": 8, "termsheet_generate": 2},
}


# ---- HTTP client: one keep-alive connection and a cookie jar per simulated user ----------------------

class Client:
    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, body bytes); reconnects once when a kept-alive connection was closed."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
                continue
            except Exception:
                self.close()
                raise
            for value in response.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(value).items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def form(self, path: str, fields, headers: dict | None = None):
        body = urlencode(fields, doseq=True).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 **(headers or {})})

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


_ATTR = re.compile(r'([\w:-]+)(?:\s*=\s*"([^"]*)")?')
_INPUT = re.compile(r"<input\b([^>]*)>", re.I)
_SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.I | re.S)
_OPTION = re.compile(r"<option\b([^>]*)>", re.I)
_SELECTED = re.compile(r"<option\b([^>]*\bselected\b[^>]*)>", re.I)
_TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.I | re.S)
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)


def _attrs(text: str) -> dict[str, str]:
    return {name.lower(): html.unescape(value or "") for name, value in _ATTR.findall(text)}


def form_fields(page: str, action: str) -> list[tuple[str, str]]:
    """The fields a browser would submit from the page's POST form for ``action`` (or with no
    action: it posts to the page's own URL). Regular expressions rather than an HTML parser: an
    edit form can be a megabyte of <option>s, and the client shares the two cores with the server."""
    for form in _FORM.finditer(page):
        attrs = _attrs(form.group(1))
        if attrs.get("method", "get").lower() == "post" and (
                not attrs.get("action") or urlsplit(attrs["action"]).path.endswith(action)):
            body = form.group(2)
            break
    else:
        return []
    fields = []
    for match in _INPUT.finditer(body):
        a = _attrs(match.group(1))
        kind = a.get("type", "text").lower()
        if not a.get("name") or "disabled" in a or kind in ("submit", "button", "image", "reset", "file"):
            continue
        if kind in ("checkbox", "radio") and "checked" not in a:
            continue
        fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
    for match in _SELECT.finditer(body):
        name = _attrs(match.group(1)).get("name")
        if name:
            chosen = [_attrs(o).get("value", "") for o in _SELECTED.findall(match.group(2))]
            first = _OPTION.search(match.group(2))
            if not chosen and first and "multiple" not in _attrs(match.group(1)):
                chosen = [_attrs(first.group(1)).get("value", "")]  # a browser submits the first option
            fields.extend((name, v) for v in chosen)
    for match in _TEXTAREA.finditer(body):
        name = _attrs(match.group(1)).get("name")
        if name:
            fields.append((name, html.unescape(match.group(2)).removeprefix("\r\n").removeprefix("\n")))
    return fields


# ---- the simulated users ------------------------------------------------------------------------------

class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: dict[str, list[str]] = defaultdict(list)

    def add(self, kind: str, ms: float, status: str, error: str | None = None) -> None:
        with self.lock:
            self.times[kind].append(ms)
            self.statuses[kind][status] += 1
            if error:
                self.errors[kind].append(error)


class User:
    def __init__(self, n: int, role: str, email: str, deals: list[tuple[int, str, int]], stages, args, results):
        self.n, self.role, self.email = n, role, email
        self.deals = [(d, t, v) for d, t, v, _e in deals]  # (deal id, deal type, version as last seen)
        self.editable = [d for d, _t, _v, e in deals if e]
        self.stages = stages  # deal type → [stage ids] (open, not won or lost)
        self.results, self.args = results, args
        self.client = Client("127.0.0.1", args.port, args.timeout)
        self.rng = random.Random(n)
        self.csrf = ""
        self.edits = 0

    def login(self) -> None:
        status, _, body = self.client.request("GET", "/login")
        token = CSRF.search(body.decode()).group(1)
        status, headers, _ = self.client.form("/login", {"csrf_token": token, "email": self.email,
                                                          "password": PASSWORD})
        if status != 302:
            raise SystemExit(f"{self.email} could not sign in (HTTP {status})")
        status, _, body = self.client.request("GET", "/dashboard/")
        self.csrf = CSRF.search(body.decode()).group(1)

    def timed(self, kind: str, method: str, path: str, body=None, headers=None, ok=(200,)):
        started = time.perf_counter()
        try:
            status, _headers, data = self.client.request(method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self.results.add(kind, (time.perf_counter() - started) * 1000, "connection",
                             f"{type(exc).__name__}: {exc}")
            return None, b""
        ms = (time.perf_counter() - started) * 1000
        error = None
        if status >= 500:
            error = f"HTTP {status} {method} {path}"
        if b"database is locked" in data:
            error = f"database is locked: {method} {path}"
        self.results.add(kind, ms, str(status), error)
        return status, data

    def run(self, until: float) -> None:
        kinds = list(WEIGHTS[self.role])
        weights = [WEIGHTS[self.role][k] for k in kinds]
        while time.monotonic() < until:
            kind = self.rng.choices(kinds, weights)[0]
            getattr(self, kind)()
            time.sleep(self.rng.uniform(self.args.think_min, self.args.think_max))
        self.client.close()

    def _deal(self):
        return self.rng.randrange(len(self.deals))

    def deals_list(self):
        self.timed("deals_list", "GET", "/deals/")

    def board(self):
        self.timed("board", "GET", "/deals/pipeline?type=" + self.rng.choice(DEAL_TYPES))

    def search(self):
        self.timed("search", "GET", "/search/?" + urlencode({"q": self.rng.choice(SEARCHES)}))

    def contact_search(self):
        self.timed("contact_search", "GET", "/contacts/?" + urlencode({"q": self.rng.choice(SEARCHES)}))

    def companies_list(self):
        self.timed("companies_list", "GET", "/companies/")

    def meetings_list(self):
        self.timed("meetings_list", "GET", "/meetings/")

    def dashboard(self):
        self.timed("dashboard", "GET", "/dashboard/")

    def deal_detail(self):
        self.timed("deal_detail", "GET", f"/deals/{self.deals[self._deal()][0]}")

    def termsheet_preview(self):
        self.timed("termsheet_preview", "GET", f"/deals/{self.deals[self._deal()][0]}/term-sheets/preview?lang="
                   + self.rng.choice(["en", "zh", "bilingual"]))

    def termsheet_generate(self):
        deal_id = self.deals[self._deal()][0]
        self.timed("termsheet_generate", "POST", f"/deals/{deal_id}/term-sheets",
                   urlencode({"csrf_token": self.csrf, "lang": self.rng.choice(["en", "zh", "bilingual"])}).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})

    def deal_edit(self):
        """Load the edit form (timed as deal_edit_form), change the notes, save it (deal_edit)."""
        if not self.editable:
            return self.deal_detail()
        deal_id = self.rng.choice(self.editable)
        status, page = self.timed("deal_edit_form", "GET", f"/deals/{deal_id}/edit")
        if status != 200:
            return
        self.edits += 1
        fields = [(k, v) for k, v in form_fields(page.decode(), f"/deals/{deal_id}/edit") if k != "notes"]
        fields.append(("notes", f"Load test edit {self.n}-{self.edits}"))
        self.timed("deal_edit", "POST", f"/deals/{deal_id}/edit", urlencode(fields).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})

    def stage_move(self):
        i = self._deal()
        deal_id, deal_type, version = self.deals[i]
        stage_id = self.rng.choice(self.stages[deal_type])
        status, data = self.timed("stage_move", "POST", f"/deals/{deal_id}/move",
                                  json.dumps({"stage_id": stage_id, "version": version}).encode(),
                                  {"Content-Type": "application/json", "Accept": "application/json",
                                   "X-CSRFToken": self.csrf})
        if status in (200, 409):
            with contextlib.suppress(ValueError, KeyError):
                self.deals[i] = (deal_id, deal_type, json.loads(data)["version"])


# ---- set-up: dataset, server, users -----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan_users(app, count: int, managers: int) -> list[tuple[str, str, list, dict]]:
    """(role, email, deals, stages) for each simulated user: ``managers`` manager sessions, the rest reps."""
    from crm.auth.models import User as UserModel
    from crm.deals.models import Deal, DealTerritory, PipelineStage
    from crm.enums import DealType
    from crm.extensions import db

    with app.app_context():
        stages: dict[str, list[int]] = defaultdict(list)
        for deal_type, ident in db.session.execute(
                sa.select(PipelineStage.deal_type, PipelineStage.id)
                .where(PipelineStage.active, ~PipelineStage.is_won, ~PipelineStage.is_lost)):
            stages[deal_type.value].append(ident)
        open_stages = [i for ids in stages.values() for i in ids]
        rep_emails = [DEMO_REP, *db.session.scalars(
            sa.select(UserModel.email).where(UserModel.email.like("rep%@scale.example")).order_by(UserModel.email))]

        # The generated deals other than co-productions have no territories, which their edit form
        # requires (a person would fill them in): edits go to the deals that save as they are.
        saves_as_is = sa.or_(Deal.deal_type == DealType.COPRODUCTION,
                             sa.exists().where(DealTerritory.deal_id == Deal.id))

        def deals_of(owner_email: str | None, limit: int) -> list[tuple[int, str, int, bool]]:
            query = sa.select(Deal.id, Deal.deal_type, Deal.version, saves_as_is.label("editable")).where(
                Deal.archived_at.is_(None), Deal.stage_id.in_(open_stages))
            if owner_email:
                query = query.join(UserModel, Deal.owner_id == UserModel.id).where(UserModel.email == owner_email)
            rows = db.session.execute(query.order_by(Deal.id).limit(limit)).all()
            return [(r.id, r.deal_type.value, r.version, bool(r.editable)) for r in rows]

        plan = []
        for n in range(count):
            if n < managers:
                # Managers see every deal; each session works on its own slice so edits rarely collide.
                deals = deals_of(None, 40 * (n + 1))[40 * n:]
                plan.append(("manager", MANAGER, deals, stages))
            else:
                email = rep_emails[(n - managers) % len(rep_emails)]
                deals = deals_of(email, 60)
                # Two sessions of one rep share the deals: a realistic source of 409 conflicts.
                plan.append(("rep", email, deals, stages))
        return [p for p in plan if p[2]]


def start_gunicorn(args, url: str, log_path: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "CRM_ENV": "development",
           "PYTHONUNBUFFERED": "1"}
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    command = [gunicorn, "--workers", str(args.workers), "--threads", str(args.threads),
               "--worker-class", "gthread", "--bind", f"127.0.0.1:{args.port}", "--timeout", "60",
               "--keep-alive", "75", "--backlog", "256", "wsgi:app"]
    log = open(log_path, "wb")  # noqa: SIM115 - the process writes to it until it stops
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summarise(results: Results, elapsed: float, locked_in_log: int) -> dict:
    def figures(times, statuses, errors):
        return {
            "requests": len(times), "rps": round(len(times) / elapsed, 2),
            "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1),
            "p99_ms": round(percentile(times, 99), 1), "max_ms": round(max(times, default=0), 1),
            "mean_ms": round(statistics.fmean(times), 1) if times else 0.0,
            "errors": len(errors), "statuses": dict(sorted(statuses.items())), "error_samples": errors[:5],
        }

    kinds = {k: figures(results.times[k], results.statuses[k], results.errors[k]) for k in sorted(results.times)}
    all_times = [t for ts in results.times.values() for t in ts]
    all_statuses: dict[str, int] = defaultdict(int)
    for statuses in results.statuses.values():
        for status, count in statuses.items():
            all_statuses[status] += count
    all_errors = [e for es in results.errors.values() for e in es]
    overall = figures(all_times, all_statuses, all_errors)
    overall["errors"] += locked_in_log
    overall["database_locked_in_server_log"] = locked_in_log
    return {"overall": overall, "kinds": kinds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=20000)
    parser.add_argument("--database-url")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--managers", type=int, default=10, help="how many of the users are manager sessions")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load after every user signed in")
    parser.add_argument("--think-min", type=float, default=1.0, help="seconds a user waits between requests")
    parser.add_argument("--think-max", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes (one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout per request, seconds")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--output", help="results file (default benchmarks/results/load-<db>-<time>.json)")
    args = parser.parse_args()
    args.port = args.port or _free_port()

    url = args.database_url or default_url(args.scale)
    app = ensure_dataset(url, args.scale)
    plan = plan_users(app, args.users, args.managers)
    with app.app_context():
        from crm.extensions import db

        db.engine.dispose()
    database = "postgresql" if url.startswith("postgres") else "sqlite"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    results_dir = os.path.join(ROOT, "benchmarks", "results")
    os.makedirs(results_dir, exist_ok=True)
    log_path = os.path.join(results_dir, f"load-{database}-{stamp}.gunicorn.log")
    output = args.output or os.path.join(results_dir, f"load-{database}-{stamp}.json")

    print(f"gunicorn --workers {args.workers} --threads {args.threads} on 127.0.0.1:{args.port}, {database}, "
          f"scale {args.scale}; {len(plan)} users ({sum(p[0] == 'manager' for p in plan)} manager sessions)")
    process = start_gunicorn(args, url, log_path)
    try:
        results = Results()
        users = [User(n, role, email, deals, stages, args, results)
                 for n, (role, email, deals, stages) in enumerate(plan)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:  # argon2id: a few sign-ins at a time
            list(pool.map(lambda u: u.login(), users))
        print(f"{len(users)} users signed in in {time.perf_counter() - started:.1f} s; "
              f"running for {args.duration:.0f} s...")
        begin = time.monotonic()
        until = begin + args.duration
        threads = [threading.Thread(target=u.run, args=(until,)) for u in users]
        for i, thread in enumerate(threads):
            thread.start()
            time.sleep(min(0.05, 2.0 / len(threads)) if i else 0)  # ramp up over ~2 s
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - begin
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    with open(log_path, encoding="utf-8", errors="replace") as f:
        server_log = f.read()
    locked = server_log.count("database is locked")
    summary = summarise(results, elapsed, locked)
    report = {
        "database": database, "database_url": sa.make_url(url).render_as_string(hide_password=True),
        "scale": args.scale, "users": len(plan), "managers": args.managers, "duration_s": round(elapsed, 1),
        "think_s": [args.think_min, args.think_max], "gunicorn": {"workers": args.workers, "threads": args.threads,
                                                                 "worker_class": "gthread"},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg_after": os.getloadavg()},
        "started_at": stamp, "server_log": os.path.relpath(log_path, ROOT), "target_p95_ms": TARGET_P95_MS,
        **summary,
    }
    with open(output, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)

    print(f"\n{'request kind':<20}{'n':>7}{'rps':>8}{'p50':>9}{'p95':>9}{'p99':>9}{'errors':>8}  statuses")
    for kind, row in [*summary["kinds"].items(), ("OVERALL", summary["overall"])]:
        print(f"{kind:<20}{row['requests']:>7}{row['rps']:>8.1f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
              f"{row['p99_ms']:>9.1f}{row['errors']:>8}  {row['statuses']}")
    overall = summary["overall"]
    met = overall["errors"] == 0 and overall["p95_ms"] < TARGET_P95_MS
    print(f"\n'database is locked' in the server log: {locked}. Target (0 errors, p95 < {TARGET_P95_MS:.0f} ms): "
          f"{'met' if met else 'NOT met'}. Results: {os.path.relpath(output, ROOT)}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
