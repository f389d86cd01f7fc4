"""Territory codes: ISO 3166-1 alpha-2 plus named groups used in media deals."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale

from .i18n import lazy_gettext as _l

# Mainland China in licences means excluding Hong Kong, Macau and Taiwan, so
# "CN" alone is the mainland and Greater China is spelt out.
_EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()  # noqa: SIM905

GROUPS: dict[str, tuple[object, frozenset[str] | None]] = {
    "WW": (_l("Worldwide"), None),  # None: every territory
    "GREATER_CHINA": (_l("Greater China"), frozenset({"CN", "HK", "MO", "TW"})),
    "CN_MAINLAND": (_l("Mainland China (excluding Hong Kong, Macau and Taiwan)"), frozenset({"CN"})),
    "EU": (
        _l("European Union"),
        frozenset(_EU),
    ),
    "FRANCOPHONE_EUROPE": (_l("French-speaking Europe"), frozenset({"FR", "BE", "CH", "LU", "MC"})),
}


def is_known(code: str) -> bool:
    return code in GROUPS or code in Locale("en").territories and len(code) == 2 and code.isalpha()


def territory_name(code: str) -> str:
    """The territory's name in the active language."""
    if code in GROUPS:
        return str(GROUPS[code][0])
    return Locale.parse(str(get_locale())).territories.get(code, code)


# Two-letter codes Babel lists that are not places: unions, pseudo-locales, "unknown".
_NOT_PLACES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})

#: Every country code "WW" (worldwide) stands for: the ISO 3166-1 alpha-2 codes Babel
#: knows, plus the few reserved ones it also names (Kosovo, Canary Islands...), so that
#: worldwide contains every single code ``is_known`` accepts.
ALL_COUNTRIES: frozenset[str] = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha() and code not in _NOT_PLACES
)


def group_members(code: str) -> frozenset[str]:
    """The country codes one code stands for: a group's members, WW's every country,
    or the code itself."""
    if code in GROUPS:
        members = GROUPS[code][1]
        return ALL_COUNTRIES if members is None else members
    return frozenset({code})


def expand_territories(included, excluded=()) -> frozenset[str]:
    """The concrete country codes of a territory set: the included codes (groups
    expanded, "WW" = every country) minus the excluded ones (also expanded).

    >>> sorted(expand_territories(["GREATER_CHINA"], ["TW"]))
    ['CN', 'HK', 'MO']
    """
    countries: set[str] = set()
    for code in included:
        countries |= group_members(code)
    for code in excluded:
        countries -= group_members(code)
    return frozenset(countries)


def codes_covering(countries) -> frozenset[str]:
    """Every code whose expansion contains one of ``countries``: the countries
    themselves, each group that has one of them as a member, and WW. A stored
    territory set overlaps ``countries`` only if it includes one of these codes."""
    countries = frozenset(countries)
    codes = set(countries)
    for code, (_label, members) in GROUPS.items():
        if members is None or members & countries:
            codes.add(code)
    return frozenset(codes) if countries else frozenset()


_EXCLUDING_WORDS = {"EXCLUDING", "EXCEPT", "EXCL", "EXCL.", "EX", "不含", "除", "除外"}
_SEPARATORS = ",;，；、()（）"


def parse_territory_text(text: str) -> list[tuple[str, bool]]:
    """Parse what a user types: codes and group keys separated by commas or spaces;
    a code prefixed with "-" or following the word "excluding" (or "except",
    "不含") is excluded. "WW excluding CN HK" and "WW -CN -HK" are the same.

    Returns ``[(code, excluded), ...]`` without duplicates, in order. Raises
    ``ValueError`` whose ``args[1]`` lists the unknown codes.
    """
    for sep in _SEPARATORS:
        text = text.replace(sep, " ")
    result: list[tuple[str, bool]] = []
    unknown: list[str] = []
    excluding = False
    for token in text.split():
        word = token.upper()
        if word in _EXCLUDING_WORDS:
            excluding = True
            continue
        excluded = excluding
        if word.startswith(("-", "!")):
            word, excluded = word[1:], True
        if not word:
            continue
        if not is_known(word):
            unknown.append(token)
            continue
        if (word, excluded) not in result:
            result.append((word, excluded))
    if unknown:
        raise ValueError("unknown territory codes", unknown)
    return result


def describe_countries(countries, limit: int = 12) -> str:
    """Plain words for a set of country codes in the active language: "Worldwide",
    "Worldwide excluding Mainland China", group names where a whole group is in it
    (Greater China, European Union), then country names."""
    from flask_babel import gettext as _

    from .i18n import ui_lang

    sep = "、" if ui_lang() == "zh" else ", "
    countries = frozenset(countries)
    if not countries:
        return ""
    missing = ALL_COUNTRIES - countries
    if not missing and countries >= ALL_COUNTRIES:
        return territory_name("WW")
    if len(missing) <= limit and len(countries) > len(ALL_COUNTRIES) // 2:
        return _("Worldwide excluding %(territories)s", territories=describe_countries(missing, limit))
    names: list[str] = []
    rest = set(countries)
    for code, (_label, members) in GROUPS.items():
        if members is not None and len(members) > 1 and members <= rest:
            names.append(territory_name(code))
            rest -= members
    country_names = sorted(territory_name(code) for code in rest)
    names.extend(country_names)
    if len(names) > limit:
        shown = sep.join(names[:limit])
        return _("%(territories)s and %(count)d more", territories=shown, count=len(names) - limit)
    return sep.join(names)
