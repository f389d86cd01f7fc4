"""Validation of a deal's typed terms (pure functions, no request or database).

Input is plain data (dicts and lists, as a form or a JSON body would give):
dates as ``datetime.date``, money and percentages as ``Decimal``. Every rule
broken is collected and raised at once as a ``DealError`` whose ``errors`` maps
a field path ("licence_end", "partners", "partners.1.financing_share") to lazy,
translatable messages, so a form can show each next to its field.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from babel import Locale

from ..enums import (
    Contribution,
    CoproductionStatus,
    DealType,
    FeeKind,
    FormatFeeBasis,
    Medium,
    RegulatoryStatus,
)
from ..i18n import lazy_gettext as _l
from ..territories import is_known

HUNDRED = Decimal("100")
MAX_MONEY = Decimal("9999999999999.99")
LICENCE_TYPES = frozenset({DealType.DISTRIBUTION, DealType.ACQUISITION, DealType.PRESALE})
_SPLIT = re.compile(r"[\s,;，；、]+")


class DealError(ValueError):
    """Rules a deal's data broke: ``errors`` is {field path: [lazy message, ...]}."""

    def __init__(self, errors: dict[str, list]):
        super().__init__(errors)
        self.errors = errors


class _Errors(dict):
    def add(self, path: str, message) -> None:
        self.setdefault(path, []).append(message)

    def check(self) -> None:
        if self:
            raise DealError(dict(self))


def terms_kind(deal_type: DealType) -> str:
    """"coproduction", "licence" or "format": which terms a deal type carries."""
    deal_type = DealType(deal_type)
    if deal_type == DealType.COPRODUCTION:
        return "coproduction"
    if deal_type == DealType.FORMAT:
        return "format"
    return "licence"


def parse_codes(text: str | None) -> list[str]:
    """"ww, -cn gb" → ["WW", "-CN", "GB"] (order kept, duplicates dropped)."""
    seen: list[str] = []
    for part in _SPLIT.split((text or "").strip()):
        code = part.strip().upper()
        if code and code not in seen:
            seen.append(code)
    return seen


@functools.cache
def _known_languages() -> dict[str, str]:
    """ISO 639 codes Babel can name (lower case → its own spelling, e.g. "zh_hant" → "zh_Hant")."""
    return {code.lower(): code for code in Locale("en").languages}


def _language_codes(errors: _Errors, text: str | None) -> str | None:
    """"ZH, en, zh-Hant" → "zh en zh_Hant"; a code whose language Babel does not know is an error on the
    field (the term sheet names each language)."""
    codes = [code.lower().replace("-", "_") for code in parse_codes(text)]
    unknown = [code for code in codes if code.split("_")[0] not in _known_languages()]
    if unknown:
        errors.add("languages", _l("Unknown language code: %(codes)s. Use codes such as zh, en or fr.",
                                   codes=", ".join(unknown)))
    return " ".join(_known_languages().get(code, code) for code in codes) or None


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- common fields -------------------------------------------------------------

def validate_common(values: dict) -> dict:
    """Names, company, amount, currency, regulatory status. Returns cleaned values."""
    errors = _Errors()
    clean = dict(values)
    for key in ("name_en", "name_zh", "notes"):
        if isinstance(clean.get(key), str):
            clean[key] = clean[key].strip() or None
    if not (clean.get("name_en") or clean.get("name_zh")):
        errors.add("name_en", _l("Enter an English or a Chinese name (or both)."))
    for key in ("name_en", "name_zh"):
        if clean.get(key) and len(clean[key]) > 200:
            errors.add(key, _l("At most %(max)d characters.", max=200))
    if "company_id" in clean and not clean.get("company_id"):
        errors.add("company_id", _l("Choose the counterpart company."))
    amount = clean.get("amount")
    if amount is None:
        clean["amount"] = Decimal("0")
    elif amount < 0:
        errors.add("amount", _l("The amount cannot be negative."))
    elif amount > MAX_MONEY:
        errors.add("amount", _l("The amount is too large."))
    currency = (clean.get("currency") or "").strip().upper()
    if "currency" in clean:
        if not (len(currency) == 3 and currency.isalpha()):
            errors.add("currency", _l("Choose a currency (ISO code such as CNY, EUR or USD)."))
        clean["currency"] = currency
    if "regulatory_status" in clean:
        try:
            clean["regulatory_status"] = RegulatoryStatus(clean["regulatory_status"] or RegulatoryStatus.NOT_NEEDED)
        except ValueError:
            errors.add("regulatory_status", _l("Choose from the list."))
    errors.check()
    return clean


# -- terms ---------------------------------------------------------------------

def _percent(errors: _Errors, path: str, value, required: bool = False):
    if value is None:
        if required:
            errors.add(path, _l("Enter a percentage from 0 to 100."))
        return
    if not (0 <= value <= 100):
        errors.add(path, _l("Enter a percentage from 0 to 100."))


def _money(errors: _Errors, path: str, value, required: bool = False):
    if value is None:
        if required:
            errors.add(path, _l("Enter an amount."))
        return
    if value < 0:
        errors.add(path, _l("The amount cannot be negative."))
    elif value > MAX_MONEY:
        errors.add(path, _l("The amount is too large."))


def _positive(errors: _Errors, path: str, value, zero_ok: bool = False):
    if value is None:
        return
    if value < 0 or (value == 0 and not zero_ok):
        errors.add(path, _l("Enter a whole number of 0 or more.") if zero_ok
                   else _l("Enter a whole number above zero."))


def _enum(errors: _Errors, terms: dict, key: str, enum, default):
    value = terms.get(key)
    if value in (None, ""):
        terms[key] = default
        return
    try:
        terms[key] = enum(value)
    except ValueError:
        errors.add(key, _l("Choose from the list."))


def _territories(errors: _Errors, terms: dict, required: bool = True) -> None:
    """``territories`` and ``excluded``: lists of codes (or text to split)."""
    for key in ("territories", "excluded"):
        value = terms.get(key) or []
        codes = parse_codes(value) if isinstance(value, str) else [str(c).strip().upper() for c in value if c]
        terms[key] = codes
        unknown = [c for c in codes if not is_known(c)]
        if unknown:
            errors.add(key, _l(
                "Unknown territory code: %(codes)s. Use ISO country codes such as FR or CN, or a group: "
                "WW (worldwide), GREATER_CHINA, CN_MAINLAND, EU, FRANCOPHONE_EUROPE.", codes=", ".join(unknown)))
    both = sorted(set(terms["territories"]) & set(terms["excluded"]))
    if both:
        errors.add("excluded", _l("%(codes)s cannot be both included and excluded.", codes=", ".join(both)))
    if required and not terms["territories"]:
        errors.add("territories", _l("Enter at least one territory, e.g. WW, GREATER_CHINA or FR."))
    if terms["excluded"] and not terms["territories"]:
        errors.add("excluded", _l("Exclusions need a territory to exclude them from, e.g. WW."))


def _payments(errors: _Errors, rows: list[dict]) -> list[dict]:
    kept = []
    for i, row in enumerate(rows or []):
        trigger_en = (row.get("trigger_en") or "").strip() or None
        trigger_zh = (row.get("trigger_zh") or "").strip() or None
        percent = row.get("percent")
        if percent is None and not trigger_en and not trigger_zh:
            continue  # a blank row
        path = f"payments.{i}"
        if percent is None or not (0 < percent <= 100):
            errors.add(f"{path}.percent", _l("Enter a percentage above 0 and at most 100."))
        if not (trigger_en or trigger_zh):
            errors.add(f"{path}.trigger_en", _l("Say when this instalment is due, e.g. on signature."))
        kept.append({"percent": percent, "trigger_en": trigger_en or trigger_zh, "trigger_zh": trigger_zh})
    total = sum((r["percent"] or Decimal(0) for r in kept), Decimal(0))
    if kept and total != HUNDRED:
        errors.add("payments", _l("The instalments add up to %(sum)s%%; they must add up to exactly 100%%.",
                                  sum=_fmt(total)))
    return kept


def _partners(errors: _Errors, rows: list[dict]) -> list[dict]:
    kept = []
    seen: set[int] = set()
    for i, row in enumerate(rows or []):
        values = [row.get(k) for k in ("company_id", "financing_share", "ip_share", "territories_retained")]
        if all(v in (None, "") for v in values):
            continue
        path = f"partners.{i}"
        company_id = row.get("company_id")
        if not company_id:
            errors.add(f"{path}.company_id", _l("Choose the partner company."))
        elif company_id in seen:
            errors.add(f"{path}.company_id", _l("This company is already a partner."))
        else:
            seen.add(company_id)
        _percent(errors, f"{path}.financing_share", row.get("financing_share"), required=True)
        _percent(errors, f"{path}.ip_share", row.get("ip_share"), required=True)
        contribution = row.get("contribution") or Contribution.CASH
        try:
            contribution = Contribution(contribution)
        except ValueError:
            errors.add(f"{path}.contribution", _l("Choose from the list."))
        retained = parse_codes(row.get("territories_retained"))
        unknown = [c for c in retained if not is_known(c)]
        if unknown:
            errors.add(f"{path}.territories_retained", _l(
                "Unknown territory code: %(codes)s. Use ISO country codes such as FR or CN, or a group: "
                "WW (worldwide), GREATER_CHINA, CN_MAINLAND, EU, FRANCOPHONE_EUROPE.", codes=", ".join(unknown)))
        if len(" ".join(retained)) > 200:
            errors.add(f"{path}.territories_retained", _l("At most %(max)d characters.", max=200))
        kept.append({
            "company_id": company_id, "financing_share": row.get("financing_share"), "ip_share": row.get("ip_share"),
            "contribution": contribution, "territories_retained": " ".join(retained) or None,
        })
    if kept:
        total = sum((r["financing_share"] or Decimal(0) for r in kept), Decimal(0))
        if total != HUNDRED:
            errors.add("partners", _l("The partners' financing shares add up to %(sum)s%%; they must add up to "
                                      "exactly 100%%.", sum=_fmt(total)))
        total = sum((r["ip_share"] or Decimal(0) for r in kept), Decimal(0))
        if total != HUNDRED:
            errors.add("partners", _l("The partners' IP shares add up to %(sum)s%%; they must add up to "
                                      "exactly 100%%.", sum=_fmt(total)))
    return kept


def _text(terms: dict, *keys: str) -> None:
    for key in keys:
        if isinstance(terms.get(key), str):
            terms[key] = terms[key].strip() or None


def validate_terms(deal_type: DealType, terms: dict) -> dict:
    """Check the terms of a ``deal_type`` deal; returns them cleaned (enums, codes,
    blank rows dropped). Raises DealError listing every problem."""
    kind = terms_kind(deal_type)
    terms = dict(terms)
    errors = _Errors()
    if kind == "coproduction":
        _text(terms, "working_title", "language", "underlying_ip", "creative_control", "overruns")
        _money(errors, "budget", terms.get("budget"))
        currency = (terms.get("budget_currency") or "").strip().upper() or None
        if currency and not (len(currency) == 3 and currency.isalpha()):
            errors.add("budget_currency", _l("Choose a currency (ISO code such as CNY, EUR or USD)."))
        terms["budget_currency"] = currency
        if terms.get("budget") is not None and not currency:
            errors.add("budget_currency", _l("Choose the budget's currency."))
        _positive(errors, "episodes", terms.get("episodes"))
        _positive(errors, "episode_minutes", terms.get("episode_minutes"))
        _enum(errors, terms, "official_status", CoproductionStatus, CoproductionStatus.NONE)
        terms["completion_bond"] = bool(terms.get("completion_bond"))
        terms["partners"] = _partners(errors, terms.get("partners") or [])
    elif kind == "licence":
        _territories(errors, terms)
        media = []
        for value in terms.get("media") or []:
            try:
                media.append(Medium(value))
            except ValueError:
                errors.add("media", _l("Choose media from the list."))
        terms["media"] = list(dict.fromkeys(media))
        if not media:
            errors.add("media", _l("Choose at least one medium (e.g. SVOD or free TV)."))
        start, end = terms.get("licence_start"), terms.get("licence_end")
        if start and end and end <= start:
            errors.add("licence_end", _l("The licence must end after it starts."))
        terms["exclusive"] = bool(terms.get("exclusive"))
        terms["starts_on_permit"] = bool(terms.get("starts_on_permit"))
        _positive(errors, "runs", terms.get("runs"))
        _positive(errors, "holdback_months", terms.get("holdback_months"), zero_ok=True)
        languages = _language_codes(errors, terms.get("languages"))
        if languages and len(languages) > 64:
            errors.add("languages", _l("At most %(max)d characters.", max=64))
        terms["languages"] = languages
        _text(terms, "holdbacks", "first_run_obligation")
        _enum(errors, terms, "fee_kind", FeeKind, FeeKind.FLAT_FEE)
        _money(errors, "minimum_guarantee", terms.get("minimum_guarantee"),
               required=terms["fee_kind"] == FeeKind.MINIMUM_GUARANTEE)
        _percent(errors, "revenue_share", terms.get("revenue_share"),
                 required=terms["fee_kind"] == FeeKind.REVENUE_SHARE)
        _percent(errors, "agent_commission", terms.get("agent_commission"))
        terms["payments"] = _payments(errors, terms.get("payments") or [])
    else:
        _territories(errors, terms)
        _text(terms, "platform")
        _positive(errors, "episodes", terms.get("episodes"))
        _positive(errors, "seasons", terms.get("seasons"))
        _positive(errors, "option_seasons", terms.get("option_seasons"), zero_ok=True)
        _positive(errors, "consultancy_days", terms.get("consultancy_days"), zero_ok=True)
        terms["exclusive"] = bool(terms.get("exclusive"))
        terms["production_bible"] = bool(terms.get("production_bible"))
        _enum(errors, terms, "fee_basis", FormatFeeBasis, FormatFeeBasis.PERCENT_OF_BUDGET)
        by_percent = terms["fee_basis"] == FormatFeeBasis.PERCENT_OF_BUDGET
        _percent(errors, "fee_percent", terms.get("fee_percent"), required=by_percent)
        _money(errors, "local_budget", terms.get("local_budget"))
        _money(errors, "fee_per_episode", terms.get("fee_per_episode"),
               required=terms["fee_basis"] == FormatFeeBasis.PER_EPISODE)
        _percent(errors, "backend_share", terms.get("backend_share"))
    errors.check()
    return terms
