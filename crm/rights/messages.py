"""Conflicts in plain words, in the active language (needs an app context)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..enums import Medium
from ..i18n import date as format_day
from ..i18n import ui_lang
from ..territories import describe_countries
from .availability import OPEN_END, OPEN_START, Conflict


def _name(names: tuple[str | None, str | None], fallback: str) -> str:
    en, zh = names
    first, second = (zh, en) if ui_lang() == "zh" else (en, zh)
    return first or second or fallback


def media_words(media) -> str:
    sep = "、" if ui_lang() == "zh" else ", "
    order = [m.value for m in Medium]
    return sep.join(str(Medium(m).label) for m in sorted(media, key=order.index))


def period_words(start, end) -> tuple[str, str]:
    first = _("any date") if start <= OPEN_START else format_day(start)
    last = _("no end date") if end >= OPEN_END else format_day(end)
    return first, last


def conflict_parts(conflict: Conflict) -> dict[str, str]:
    """The pieces of a conflict, each in plain words: title, territories, media,
    start, end, holder (deal or grant) and stage."""
    start, end = period_words(conflict.overlap.start, conflict.overlap.end)
    deal = _name(conflict.deal_names, "") if conflict.deal_id is not None else ""
    if conflict.deal_id is not None and not deal:
        deal = _("deal no. %(number)d", number=conflict.deal_id)
    return {
        "title": _name(conflict.title_names, _("title no. %(number)d", number=conflict.title_id)),
        "territories": describe_countries(conflict.overlap.countries),
        "media": media_words(conflict.overlap.media),
        "start": start,
        "end": end,
        "deal": deal,
        "stage": _name(conflict.stage_names, ""),
    }


def describe(conflict: Conflict) -> str:
    """One sentence: which title, territories, media and dates, held by what."""
    p = conflict_parts(conflict)
    if conflict.is_hard:
        if p["deal"]:
            holder = _("deal “%(deal)s”, signed grant no. %(grant)d", deal=p["deal"], grant=conflict.grant_id)
        else:
            holder = _("signed grant no. %(grant)d", grant=conflict.grant_id)
        if conflict.holder_exclusive:
            return _(
                "“%(title)s” is already licensed exclusively for %(media)s in %(territories)s "
                "from %(start)s to %(end)s (%(holder)s).",
                title=p["title"], media=p["media"], territories=p["territories"], start=p["start"], end=p["end"],
                holder=holder,
            )
        return _(
            "“%(title)s” is already licensed non-exclusively for %(media)s in %(territories)s "
            "from %(start)s to %(end)s (%(holder)s), so these rights cannot be given exclusively.",
            title=p["title"], media=p["media"], territories=p["territories"], start=p["start"], end=p["end"],
            holder=holder,
        )
    if conflict.holder_exclusive:
        return _(
            "“%(title)s”: deal “%(deal)s” (%(stage)s) is negotiating exclusive rights for %(media)s "
            "in %(territories)s from %(start)s to %(end)s.",
            **p,
        )
    return _(
        "“%(title)s”: deal “%(deal)s” (%(stage)s) is negotiating non-exclusive rights for %(media)s "
        "in %(territories)s from %(start)s to %(end)s, so these rights cannot be given exclusively.",
        **p,
    )
