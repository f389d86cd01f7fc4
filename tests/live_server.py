"""Real app servers for tests that talk HTTP: a migrated database with the demo story,
and gunicorn processes serving it on loopback ports (scale-out and browser tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_demo_database(url: str) -> None:
    """``flask db upgrade`` and ``crm seed-demo`` on ``url``, as the README's set-up does."""
    env = {**os.environ, "DATABASE_URL": url, "CRM_ENV": "development"}
    flask = os.path.join(BIN, "flask")
    for args in (["db", "upgrade"], ["crm", "seed-demo"]):
        done = subprocess.run([flask, "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
                              timeout=300, check=False)
        if done.returncode:
            pytest.fail(f"flask {' '.join(args)} failed:\n{done.stdout.decode()}\n{done.stderr.decode()}")


@contextmanager
def gunicorn_servers(env: dict[str, str], log_dir, count: int = 1, threads: int = 4):
    """Start ``count`` gunicorn instances of the app with ``env`` (added to os.environ); yields their
    base URLs once each answers /healthz, and stops them afterwards."""
    processes, urls = [], []
    try:
        for i in range(count):
            port = free_port()
            log = open(os.path.join(str(log_dir), f"gunicorn-{i}.log"), "wb")  # noqa: SIM115 - closed below
            processes.append((subprocess.Popen(
                [os.path.join(BIN, "gunicorn"), "--workers", "1", "--threads", str(threads),
                 "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
            ), log))
            urls.append(f"http://127.0.0.1:{port}")
        for url, (process, log) in zip(urls, processes, strict=True):
            _wait_healthy(url, process, log.name)
        yield urls
    finally:
        for process, _log in processes:
            process.terminate()
        for process, log in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _wait_healthy(url: str, process: subprocess.Popen, log_path: str) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path, encoding="utf-8", errors="replace") as f:
                pytest.fail(f"gunicorn on {url} exited:\n{f.read()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:  # noqa: S310 - our loopback URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # not listening yet, or still booting
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn on {url} did not answer /healthz within 30 s")
