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


# ---------------------------------------------------------------------------
# HarfBuzz's subsetter: without it WeasyPrint subsets a 65,000-glyph CJK font with
# fontTools, ~25x slower (seconds per Chinese page instead of a fraction of one).
# ---------------------------------------------------------------------------

_HB_SUBSET_NAMES = ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")
_HB_NAMES = ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll")


def _load(names, short: str):
    import ctypes
    import ctypes.util

    for name in (*names, ctypes.util.find_library(short)):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


@functools.lru_cache(maxsize=1)
def fast_subsetting() -> bool:
    """True when WeasyPrint will subset fonts with HarfBuzz (libharfbuzz-subset, HarfBuzz ≥ 4.1.0),
    the same test WeasyPrint makes, done with ctypes so the app need not import WeasyPrint to know."""
    if _load(_HB_SUBSET_NAMES, "harfbuzz-subset") is None:
        return False
    harfbuzz = _load(_HB_NAMES, "harfbuzz")
    return bool(harfbuzz is not None and harfbuzz.hb_version_atleast(4, 1, 0))


def pdf_engine_problems() -> list[str]:
    """What would make term sheets slow or impossible on this machine, in the active language."""
    problems = []
    if cjk_font_family() is None:
        problems.append(font_missing_message())
    if not fast_subsetting():
        problems.append(_(
            "HarfBuzz's font subsetter (libharfbuzz-subset0) is missing: PDFs with Chinese take seconds "
            "instead of a fraction of a second. Install the Debian package libharfbuzz-subset0."))
    return problems
