"""Every marked string has a Simplified Chinese translation, and pages really switch."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(__file__))
ZH_PO = os.path.join(ROOT, "crm", "translations", "zh_Hans_CN", "LC_MESSAGES", "messages.po")


def _catalog(path):
    with open(path, "rb") as f:
        return read_po(f)


def test_chinese_catalogue_is_complete_and_not_fuzzy():
    catalog = _catalog(ZH_PO)
    missing, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not missing, f"untranslated: {missing[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_every_marked_string_is_in_the_catalogue(tmp_path):
    """Strings marked in code or templates since the last `translate update` fail here."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", os.path.join(ROOT, "babel.cfg"),
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), ROOT],
        check=True,
    )
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(pot) if m.id}
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(ZH_PO) if m.id}
    assert not extracted - translated, f"not in the Chinese catalogue: {sorted(extracted - translated)[:10]}"


def test_placeholders_survive_translation():
    """A translation that drops or renames %(name)s would crash or mislead at run time."""
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]")
    for message in _catalog(ZH_PO):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(pattern.findall(ids[-1]))
        for string in strings:
            assert set(pattern.findall(string)) == expected, (message.id, string)


NAV_ZH = ["仪表盘", "销售管道", "交易", "线索", "公司", "联系人", "会面", "活动"]
NAV_EN = ["Dashboard", "Pipeline", "Deals", "Leads", "Companies", "Contacts", "Meetings", "Events"]


def test_dashboard_in_chinese_has_chinese_navigation(client, make_user, login):
    login(make_user())
    client.post("/language", data={"lang": "zh"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hans"' in page
    for label in NAV_ZH:
        assert f">{label}</a>" in page
    client.post("/language", data={"lang": "en"})
    page = client.get("/").get_data(as_text=True)
    for label in NAV_EN:
        assert f">{label}</a>" in page


@pytest.mark.parametrize("header", ["zh-CN", "zh-Hans", "zh", "zh-CN,zh;q=0.9,en;q=0.8"])
def test_browser_chinese_alone_selects_chinese(client, header):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert "登录" in page
    assert "Sign in" not in page


def test_error_pages_are_translated(client, make_user, login):
    login(make_user())
    client.post("/language", data={"lang": "zh"})
    response = client.get("/deals/999999")
    assert response.status_code == 404
    assert "找不到页面" in response.get_data(as_text=True)
