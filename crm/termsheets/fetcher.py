"""A WeasyPrint URL fetcher that loads nothing but data: URLs and the app's own static files."""

from __future__ import annotations

import mimetypes
import os
import urllib.request
from urllib.parse import unquote, urlsplit

STATIC_DIR = os.path.realpath(os.path.join(os.path.dirname(os.path.dirname(__file__)), "static"))
#: base_url passed to WeasyPrint so that "/static/x.css" resolves to this prefix.
BASE_URL = "http://crm.invalid/"
_STATIC_PREFIXES = ("http://crm.invalid/static/",)


class RefusedURLError(ValueError):
    """The renderer asked for a URL it may not load."""


def safe_fetcher(url: str, timeout: int = 10, ssl_context=None):
    """Serve data: URLs and files under crm/static; refuse everything else (file://,
    http(s)://, anything that could redirect) by raising."""
    if url.startswith("data:"):
        # urllib's DataHandler decodes data: URLs in memory; no file or network access.
        with urllib.request.build_opener(urllib.request.DataHandler).open(url) as response:
            mime = response.headers.get_content_type()
            return {"string": response.read(), "mime_type": mime, "redirected_url": url}
    if url.startswith(_STATIC_PREFIXES):
        path = unquote(urlsplit(url).path)[len("/static/"):]
        full = os.path.realpath(os.path.join(STATIC_DIR, path))
        if full.startswith(STATIC_DIR + os.sep) and os.path.isfile(full):
            with open(full, "rb") as fh:
                data = fh.read()
            mime, encoding = mimetypes.guess_type(full)
            return {"string": data, "mime_type": mime or "application/octet-stream", "encoding": encoding,
                    "redirected_url": url}
    raise RefusedURLError(f"refused to fetch {url[:200]!r}")
