"""A WeasyPrint URL fetcher that loads nothing but data: URLs and the app's own static files.

WeasyPrint's default fetcher opens any file:// or network URL and follows redirects;
user data in a term sheet must never make the renderer read a file or call a host.
WeasyPrint 70 takes a ``URLFetcher`` subclass whose ``fetch`` returns a
``URLFetcherResponse``; ours never touches urllib's openers at all.
"""

from __future__ import annotations

import mimetypes
import os
import urllib.request
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = os.path.realpath(os.path.join(os.path.dirname(os.path.dirname(__file__)), "static"))
#: base_url passed to WeasyPrint so that "/static/x.css" resolves to this prefix.
BASE_URL = "http://crm.invalid/"
_STATIC_PREFIX = BASE_URL + "static/"


class RefusedURLError(ValueError):
    """The renderer asked for a URL it may not load."""


def _static_file(url: str) -> str | None:
    """The file under crm/static that ``url`` names, or None (``..`` escapes included)."""
    if not url.startswith(_STATIC_PREFIX):
        return None
    path = unquote(urlsplit(url).path)[len("/static/"):]
    full = os.path.realpath(os.path.join(STATIC_DIR, path))
    return full if full.startswith(STATIC_DIR + os.sep) and os.path.isfile(full) else None


class SafeURLFetcher(URLFetcher):
    """Serves data: URLs and files under crm/static; refuses everything else by raising
    (WeasyPrint then leaves the resource out and logs a warning)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "http"), allow_redirects=False)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            # urllib's DataHandler decodes data: URLs in memory; no file or network access.
            with urllib.request.build_opener(urllib.request.DataHandler).open(url) as response:
                return URLFetcherResponse(url, response.read(), {"Content-Type": response.headers["Content-Type"]})
        full = _static_file(url)
        if full is None:
            raise RefusedURLError(f"refused to fetch {url[:200]!r}")
        with open(full, "rb") as fh:
            data = fh.read()
        mime, _encoding = mimetypes.guess_type(full)
        return URLFetcherResponse(url, data, {"Content-Type": mime or "application/octet-stream"})


def safe_fetcher() -> SafeURLFetcher:
    """A new fetcher per render (WeasyPrint keeps per-request state on it)."""
    return SafeURLFetcher()
