"""Parsing single cell values: names, emails, countries, enums, dates and times.

Each parser returns the value or raises ``CellError`` with a translated message.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from babel import Locale
from flask_babel import force_locale
from flask_babel import gettext as _

from ..choices import is_country

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_EMAIL = re.compile(r"^[^@\s,;<>()\[\]\"']+@[^@\s,;<>()\[\]\"'.]+(\.[^@\s,;<>()\[\]\"'.]+)+$")
_LIST_SPLIT = re.compile(r"\s*(?:[;,，；、|/\n]|\s+and\s+|\s+&\s+)\s*")


class CellError(ValueError):
    """``args[0]`` is a translated message."""


def has_cjk(text: str | None) -> bool:
    return bool(text and _CJK.search(text))


def key(text: str | None) -> str:
    """A comparison key for people's names and free text: NFKC, case-folded, no spaces or dots."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def check_length(value: str, limit: int) -> str:
    if len(value) > limit:
        raise CellError(_("Too long: at most %(max)d characters.", max=limit))
    return value


def parse_email(value: str) -> str:
    value = value.strip().strip("<>").removeprefix("mailto:")
    if not _EMAIL.match(value) or len(value) > 254:
        raise CellError(_("“%(value)s” is not a valid email address.", value=value))
    return value


def split_list(value: str) -> list[str]:
    return [part for part in _LIST_SPLIT.split(value or "") if part.strip()]


# ---------------------------------------------------------------- countries

_COUNTRY_ALIASES = {
    "uk": "GB", "england": "GB", "scotland": "GB", "great britain": "GB", "britain": "GB", "usa": "US",
    "united states of america": "US", "america": "US", "prc": "CN", "mainland china": "CN",
    "peoples republic of china": "CN", "china mainland": "CN", "中国大陆": "CN", "大陆": "CN", "内地": "CN",
    "中华人民共和国": "CN", "hong kong": "HK", "hongkong": "HK", "香港": "HK", "中国香港": "HK", "macau": "MO",
    "macao": "MO", "澳门": "MO", "中国澳门": "MO", "taiwan": "TW", "台湾": "TW", "中国台湾": "TW",
    "korea": "KR", "south korea": "KR", "republic of korea": "KR", "韩国": "KR", "南韩": "KR", "north korea": "KP",
    "russia": "RU", "俄罗斯": "RU", "vietnam": "VN", "viet nam": "VN", "holland": "NL", "the netherlands": "NL",
    "czech republic": "CZ", "uae": "AE", "阿联酋": "AE", "turkey": "TR", "türkiye": "TR",
}


class Countries:
    """Country names in English and Chinese (Babel's CLDR data) and ISO codes → ISO code."""

    def __init__(self):
        index: dict[str, str] = {}
        for loc in ("en", "zh_Hans_CN", "zh_Hant", "fr"):
            for code, name in Locale.parse(loc).territories.items():
                if len(code) == 2 and code.isalpha():
                    index.setdefault(key(name), code)
        for alias, code in _COUNTRY_ALIASES.items():
            index[key(alias)] = code
        self.index = index

    def parse(self, value: str) -> str:
        if len(value) == 2 and is_country(value):
            return value.upper()
        code = self.index.get(key(value))
        if code is None and len(value) == 3 and value.isalpha():
            code = _ALPHA3.get(value.upper())
        if code is None:
            raise CellError(_("Unknown country “%(value)s”: use an ISO code such as CN or FR, or the country's "
                             "name in English or Chinese.", value=value))
        return code


_ALPHA3 = {"CHN": "CN", "USA": "US", "GBR": "GB", "FRA": "FR", "DEU": "DE", "JPN": "JP", "KOR": "KR", "HKG": "HK",
           "TWN": "TW", "CAN": "CA", "AUS": "AU", "ITA": "IT", "ESP": "ES", "NLD": "NL", "SGP": "SG", "IND": "IN",
           "NZL": "NZ", "RUS": "RU", "BRA": "BR", "MEX": "MX", "DNK": "DK", "SWE": "SE", "NOR": "NO", "FIN": "FI",
           "BEL": "BE", "CHE": "CH", "AUT": "AT", "IRL": "IE", "ISR": "IL", "MAC": "MO", "THA": "TH", "MYS": "MY"}


# ---------------------------------------------------------------- enums


class EnumLookup:
    """An enum member from its value or its label in English or Chinese (plus a few trade synonyms)."""

    def __init__(self, enum_cls, synonyms: dict[str, str] | None = None):
        self.enum_cls = enum_cls
        index = {}
        for member in enum_cls:
            index[key(member.value)] = member
            for loc in ("en", "zh_Hans_CN"):
                with force_locale(loc):
                    index.setdefault(key(str(member.label)), member)
        for word, value in (synonyms or {}).items():
            index[key(word)] = enum_cls(value)
        self.index = index

    def parse(self, value: str):
        member = self.index.get(key(value))
        if member is None:
            choices = ", ".join(str(m.label) for m in self.enum_cls)
            raise CellError(_("Unknown value “%(value)s”. Use one of: %(choices)s.", value=value, choices=choices))
        return member


COMPANY_KIND_SYNONYMS = {
    "tv": "broadcaster", "tv station": "broadcaster", "tv channel": "broadcaster", "channel": "broadcaster",
    "broadcast": "broadcaster", "电视台": "broadcaster", "卫视": "broadcaster", "广播电视台": "broadcaster",
    "platform": "streaming", "ott": "streaming", "vod": "streaming", "online platform": "streaming",
    "视频平台": "streaming", "网络平台": "streaming", "平台": "streaming", "流媒体": "streaming",
    "production company": "producer", "production": "producer", "production house": "producer",
    "制作公司": "producer", "制片公司": "producer", "制作": "producer", "animation": "animation_studio",
    "动画": "animation_studio", "动画公司": "animation_studio", "动画工作室": "animation_studio",
    "distribution": "distributor", "sales agent": "distributor", "发行": "distributor", "发行公司": "distributor",
    "format": "format_owner", "模式方": "format_owner", "代理": "agency", "代理公司": "agency", "其他": "other",
}
GENRE_SYNONYMS = {"animated": "animation", "cartoon": "animation", "动画片": "animation", "docu": "documentary",
                  "纪实": "documentary", "series": "drama", "tv drama": "drama", "电视剧": "drama", "剧集": "drama",
                  "format": "variety", "entertainment": "variety", "综艺": "variety", "真人秀": "variety",
                  "movie": "film", "电影": "film"}
DEAL_TYPE_SYNONYMS = {"coproduction": "coproduction", "co-pro": "coproduction", "合拍": "coproduction",
                      "联合制作": "coproduction", "licensing": "distribution", "licence out": "distribution",
                      "发行": "distribution", "授权": "distribution", "acquisition": "acquisition",
                      "引进": "acquisition",
                      "采购": "acquisition", "format licence": "format", "format license": "format",
                      "模式授权": "format", "节目模式": "format", "pre-sale": "presale", "预售": "presale"}


# ---------------------------------------------------------------- dates and times

_WEEKDAY = re.compile(
    r"[（(][^)）]*[)）]|星期[一二三四五六日天]|周[一二三四五六日天]"
    r"|\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?", re.IGNORECASE)
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_MD_ZH = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_DATE_PREFIX = re.compile(r"^(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
                          r"(?:[ T]+|$)(.*)$")
_TIME = re.compile(
    r"^(?P<pre>上午|下午|中午|晚上|早上)?\s*(?P<h>\d{1,2})"
    r"(?:\s*[:：.点時时hH]\s*(?P<m>\d{1,2})?(?:[:：](?P<s>\d{2}(?:\.\d+)?))?)?\s*分?\s*"
    r"(?P<post>[ap]\.?\s*m\.?)?$",
    re.IGNORECASE,
)
_RANGE = re.compile(r"^(.+?)\s*(?:-|–|—|~|～|至|到|\bto\b)\s*(.+)$", re.IGNORECASE)
_DURATION = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(min|mins|minutes|minute|m|分钟|分|h|hr|hrs|hour|hours|小时)?\.?$",
                       re.IGNORECASE)


def parse_date(value: str, start: dt.date | None = None, end: dt.date | None = None) -> dt.date:
    """A date; ``start``/``end`` (the event's dates) resolve 05/06/2017-style ambiguity and a missing year."""
    text = _WEEKDAY.sub(" ", value).strip().rstrip(",")
    if (prefix := _DATE_PREFIX.match(text)) and prefix[2].strip():
        text = prefix[1].strip()  # "2017-05-23 00:00" from a spreadsheet: the time is ignored
    bad = CellError(_("“%(value)s” is not a date: use YYYY-MM-DD, e.g. 2017-05-23.", value=value))
    try:
        if m := _YMD.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _MD_ZH.match(text):
            if start is None:
                raise bad
            return dt.date(start.year, int(m[1]), int(m[2]))
        if m := _DMY.match(text):
            a, b, year = int(m[1]), int(m[2]), int(m[3])
            if a > 12 or a == b:
                return dt.date(year, b, a)
            if b > 12:
                return dt.date(year, a, b)
            day_first, month_first = dt.date(year, b, a), dt.date(year, a, b)
            if start and end:
                inside = [d for d in (day_first, month_first) if start <= d <= end]
                if len(inside) == 1:
                    return inside[0]
            raise CellError(_("“%(value)s” could be %(first)s or %(second)s: write it as YYYY-MM-DD.",
                             value=value, first=day_first.isoformat(), second=month_first.isoformat()))
    except ValueError as exc:
        if isinstance(exc, CellError):
            raise
        raise bad from None
    raise bad


def parse_time(value: str) -> dt.time:
    m = _TIME.match(value.strip())
    bad = CellError(_("“%(value)s” is not a time: use HH:MM, e.g. 09:30.", value=value))
    if not m:
        raise bad
    hour, minute = int(m["h"]), int(m["m"] or 0)
    pre, post = m["pre"], (m["post"] or "").lower().replace(".", "").replace(" ", "")
    if (post == "pm" or pre in ("下午", "晚上") or (pre == "中午" and hour < 11)) and hour < 12:
        hour += 12
    elif (post == "am" or pre in ("上午", "早上")) and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or ((post or pre) and int(m["h"]) > 12):
        raise bad
    return dt.time(hour, minute)


def split_start(value: str) -> tuple[str | None, str, str | None]:
    """"2017-05-23 09:30-10:00" → ("2017-05-23", "09:30", "10:00"); parts may be None."""
    text = value.strip()
    date_part = None
    if m := _DATE_PREFIX.match(text):
        date_part, text = m[1], m[2].strip()
    end_part = None
    if m := _RANGE.match(text):
        text, end_part = m[1].strip(), m[2].strip()
    return date_part, text, end_part


def parse_duration(value: str) -> int:
    m = _DURATION.match(value.strip().replace(" ", ""))
    bad = CellError(_("“%(value)s” is not a duration: give the number of minutes, e.g. 30.", value=value))
    if not m:
        raise bad
    number = float(m[1].replace(",", "."))
    unit = (m[2] or "").lower()
    minutes = number * 60 if unit in ("h", "hr", "hrs", "hour", "hours", "小时") else number
    if minutes <= 0:
        raise CellError(_("The duration must be more than 0 minutes."))
    if minutes > 24 * 60 or minutes != int(minutes):
        raise bad
    return int(minutes)
