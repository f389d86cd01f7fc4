"""Templates stay CSP-ready and offline: no inline scripts or styles, no remote assets."""

import pathlib
import re

import pytest

TEMPLATES = sorted((pathlib.Path(__file__).parent.parent / "crm" / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_no_inline_script_style_or_remote_asset(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>: move it to crm/static/js/"
    assert not re.search(r"\sstyle=\"", text), "inline style attribute: use a class in app.css"
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=\"(?:https?:)?//", text), "remote asset"
    assert "|safe" not in text, "never bypass autoescaping"
