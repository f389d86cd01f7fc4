"""Locating a CJK font through fontconfig, so Chinese text never renders as boxes."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

from flask_babel import gettext as _

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


class FontMissingError(RuntimeError):
    """No font for Chinese is installed; the message says what to install."""


@functools.lru_cache(maxsize=1)
def cjk_font_family() -> str | None:
    """The family fontconfig picks for simplified Chinese, or None when it has none."""
    fc_list, fc_match = shutil.which("fc-list"), shutil.which("fc-match")
    if fc_list is None:
        return None
    try:
        listed = subprocess.run(
            [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families = {name.strip() for line in listed.splitlines() for name in line.split(",") if name.strip()}
    if not families:
        return None
    try:
        best = "" if fc_match is None else subprocess.run(
            [fc_match, "-f", "%{family}", ":lang=zh-cn"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        best = ""
    for name in best.split(","):
        if name.strip() in families:
            return name.strip()
    for preferred in ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC"):
        if preferred in families:
            return preferred
    return sorted(families)[0]


def contains_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def font_missing_message() -> str:
    return _(
        "No Chinese font is installed, so this document cannot be rendered. Install the Debian package "
        "fonts-noto-cjk, or any font that fontconfig finds for :lang=zh-cn, then try again."
    )


def require_cjk_font(text: str) -> str | None:
    """The CJK family to name in the CSS; raises FontMissingError when the text needs one
    and none is installed."""
    family = cjk_font_family()  # looked up through the module so tests can simulate no font
    if family is None and contains_chinese(text):
        raise FontMissingError(font_missing_message())
    return family
