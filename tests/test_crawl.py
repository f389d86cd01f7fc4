"""Walk the demo data as each demo user, in both languages: no page may fail.

Follows every same-site link (GET only) from the dashboard, breadth first,
skipping exports and downloads, up to a bound so the test stays quick.
"""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

LINK = re.compile(r'href="([^"#]+)"')
SKIP = re.compile(r"/static/|export|\.ics|/logout|fmt=|/download")
MAX_PAGES = 160


@pytest.fixture
def demo(app, ctx):
    from crm.demo import seed_demo

    with ctx() as session:
        seed_demo()
        session.commit()


@pytest.mark.parametrize("email", ["rep@demo.example", "manager@demo.example", "admin@demo.example"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_reachable_page_renders(app, demo, email, lang):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": "mipchina2017"}).status_code == 302
    client.post("/language", data={"lang": lang})
    seen, queue, failures = set(), deque(["/"]), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(url)
            continue
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for href in LINK.findall(response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc or SKIP.search(target):
                continue
            queue.append(parts.path + ("?" + parts.query if parts.query else ""))
    assert not failures, failures
    assert len(seen) > 40
