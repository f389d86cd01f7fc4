"""Language and time-zone selection, and the formatting filters templates use.

The UI speaks English ("en") and Simplified Chinese ("zh"). Babel's locale for
Chinese is ``zh_Hans_CN`` and the catalogue lives in
``translations/zh_Hans_CN``: a browser's ``zh-CN``, ``zh-Hans`` or ``zh`` all
map to it. The choice order is: the signed-in user's saved language, the
language chosen in this session (e.g. on the login page), the browser's
Accept-Language, English.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates as babel_dates
from babel.numbers import format_compact_currency, format_currency, format_decimal, format_percent
from flask import current_app, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_timezone, gettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape


class EscapedLazyString(LazyString):
    """A lazy message that templates escape like any other text.

    Flask-Babel's LazyString declares itself HTML-safe (``__html__`` returns the raw text), so a
    message whose placeholder carries user input (a sheet name, an unknown code someone typed)
    would reach the page as markup. Escaping here keeps every message plain text.
    """

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> EscapedLazyString:
    """Flask-Babel's lazy_gettext, escaped in templates (import it as ``_l``)."""
    return EscapedLazyString(gettext, string, **variables)

# Short UI language code -> Babel locale (catalogue folder name).
LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


def normalise_language(tag: str | None) -> str | None:
    """Map a language tag ("zh-CN", "zh_Hans", "en-GB", "zh") to "en", "zh" or None."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-")[0].lower()
    return primary if primary in LOCALES else None


def browser_language() -> str | None:
    for tag, _quality in request.accept_languages:
        lang = normalise_language(tag)
        if lang:
            return lang
    return None


def current_language() -> str:
    """The short code ("en" or "zh") of the language this request is in."""
    if not has_request_context():
        return "en"  # a service called from the CLI, a benchmark or a test without a request
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    lang = normalise_language(session.get("lang"))
    return lang or browser_language() or "en"


def select_locale() -> str:
    return LOCALES[current_language()]


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def user_zone(user) -> dt.tzinfo:
    """``user``'s time zone (their ``timezone`` setting); else the app's default zone, as the dates on
    screen use (select_timezone); UTC when neither is known."""
    default = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    for name in (getattr(user, "timezone", None), default):
        try:
            if name:
                return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return dt.UTC


def user_today(user) -> dt.date:
    """Today's date where ``user`` is, so "today", "due" and "this month" mean their day, not the server's."""
    return dt.datetime.now(user_zone(user)).date()


def day_range_utc(start: dt.date | None, end: dt.date | None,
                  tz: dt.tzinfo) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The days ``start`` to ``end`` (inclusive) in the time zone ``tz`` as a half-open UTC range:
    (midnight starting ``start``, midnight ending ``end``); None for an open end."""

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)

    return (midnight(start) if start else None, midnight(end + dt.timedelta(days=1)) if end else None)


def ui_lang() -> str:
    """"en" or "zh" for the active Babel locale (works inside force_locale too)."""
    return "zh" if str(get_locale()).startswith("zh") else "en"


def money(amount: Decimal | None, currency: str | None) -> str:
    """An amount with its ISO currency, formatted for the active language."""
    if amount is None or not currency:
        return "—"
    return format_currency(amount, currency, locale=get_locale())


def number(value, decimals: int | None = None) -> str:
    if value is None:
        return "—"
    fmt = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=fmt, locale=get_locale())


def compact_money(amount: Decimal | None, currency: str | None, digits: int = 1) -> str:
    """A short amount for chart labels, by CLDR: ``¥1.2亿`` / ``¥45.6万`` in Chinese, ``CN¥120M`` in
    English. Tables keep the full amount (``money``)."""
    if amount is None or not currency:
        return "—"
    return format_compact_currency(amount, currency, locale=get_locale(), fraction_digits=digits)


def percent(value: float | None) -> str:
    """A ratio (0.25) as a percentage for the active language, "—" when undefined."""
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.#%", locale=get_locale())


def date(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return datetime(value, fmt)
    return babel_dates.format_date(value, fmt, locale=get_locale())


def datetime(value: dt.datetime | None, fmt: str = "medium") -> str:
    """In the user's time zone. Babel is called directly: Flask-Babel's wrapper
    looks up the locale, zone and formats again for every cell of a list."""
    if value is None:
        return "—"
    return babel_dates.format_datetime(value, fmt, tzinfo=get_timezone(), locale=get_locale())


def bilingual(obj, attr: str = "name") -> str:
    """An object's ``<attr>_en`` / ``<attr>_zh`` in the active language, else the other."""
    if obj is None:
        return ""
    en, zh = getattr(obj, f"{attr}_en", None), getattr(obj, f"{attr}_zh", None)
    return (zh or en or "") if ui_lang() == "zh" else (en or zh or "")


def other_language(obj, attr: str = "name") -> str:
    """The same field in the other language, when it exists and differs."""
    if obj is None:
        return ""
    en, zh = getattr(obj, f"{attr}_en", None), getattr(obj, f"{attr}_zh", None)
    shown = bilingual(obj, attr)
    other = en if ui_lang() == "zh" else zh
    return other if other and other != shown else ""


def register(app) -> None:
    from .territories import territory_name

    app.jinja_env.filters.update(
        territory=territory_name, money=money, number=number, date=date, datetime=datetime, bilingual=bilingual,
        other_language=other_language, compact_money=compact_money, percent=percent,
    )

    @app.context_processor
    def _i18n_context():
        return {"ui_lang": ui_lang(), "LANGUAGE_NAMES": LANGUAGE_NAMES}
