"""Territory codes: ISO 3166-1 alpha-2 plus named groups used in media deals."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

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
