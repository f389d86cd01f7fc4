"""Term-sheet rendering: clause text built in the document's own language(s), then
HTML (preview) or PDF (WeasyPrint, with the safe URL fetcher and an explicit CJK font).

One builder per family of deal types (licence, co-production, format licence)
returns the clauses that differ; the closing clauses (conditions precedent,
governing law, confidentiality, non-binding) are shared. Every string is built
inside ``force_locale`` so the document's language never follows the UI's.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import functools
import threading
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

from babel import Locale
from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from ..enums import CoproductionStatus, DealType, DocumentLanguage, FeeKind, FormatFeeBasis, RegulatoryStatus
from ..i18n import date as fmt_date
from ..i18n import money, number
from ..territories import describe_countries, expand_territories
from . import fonts
from .fetcher import BASE_URL, safe_fetcher
from .fonts import require_cjk_font

LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
LICENCE_TYPES = (DealType.DISTRIBUTION, DealType.ACQUISITION, DealType.PRESALE)
CENT = Decimal("0.01")


def _pick(obj, attr: str, lang: str) -> str:
    en, zh = getattr(obj, f"{attr}_en", None), getattr(obj, f"{attr}_zh", None)
    return (zh or en or "") if lang == "zh" else (en or zh or "")


def _party(company, lang: str) -> dict:
    if company is None:
        return {"name": _("[Party to be named]"), "address": ""}
    other = "en" if lang == "zh" else "zh"
    legal, trade = getattr(company, f"legal_name_{lang}"), getattr(company, f"name_{lang}")
    other_legal = getattr(company, f"legal_name_{other}")
    if legal:
        name = legal
    elif trade and other_legal:  # the binding name is only known in the other language: give both
        name = f"{trade} ({other_legal})"
    else:
        name = trade or other_legal or getattr(company, f"name_{other}") or ""
    return {"name": name, "address": _pick(company, "address", lang)}


def _own_party(lang: str) -> dict:
    cfg = current_app.config
    name = cfg.get("TERMSHEET_OWN_NAME_ZH" if lang == "zh" else "TERMSHEET_OWN_NAME_EN")
    address = cfg.get("TERMSHEET_OWN_ADDRESS_ZH" if lang == "zh" else "TERMSHEET_OWN_ADDRESS_EN")
    return {"name": name or _("[Our company's legal name]"), "address": address or ""}


def _with_address(line: str, party: dict) -> str:
    return line + (f" — {party['address']}" if party["address"] else "")


def _pct(value) -> str:
    return "—" if value is None else f"{number(value)}%"


def _sep(lang: str) -> str:
    return "、" if lang == "zh" else ", "


def language_names(codes: str | None, lang: str) -> str:
    """"en fr" → "English, French" / "英语、法语" (unknown codes are kept as typed)."""
    names = Locale.parse(str(get_locale())).languages
    return _sep(lang).join(names.get(code, code) for code in (codes or "").replace(",", " ").split())


def _territory_text(deal) -> str:
    included = [t.code for t in deal.territories if not t.excluded]
    excluded = [t.code for t in deal.territories if t.excluded]
    if not included:
        return _("To be agreed")
    return describe_countries(expand_territories(included, excluded))


def _titles(deal, lang: str) -> list[str]:
    return [_pick(t, "name", lang) + (f" ({t.format_label})" if t.format_label else "") for t in deal.titles]


def _media(deal, lang: str) -> str:
    return _sep(lang).join(str(m.medium.label) for m in deal.media) or _("To be agreed")


def _payments(deal, lang: str) -> list[str]:
    return [
        f"{_pct(p.percent)} {_pick(p, 'trigger', lang)}" for p in sorted(deal.payments, key=lambda p: p.sequence)
    ] or [_("To be agreed")]


def _share_of(total: Decimal | None, percent: Decimal | None) -> Decimal | None:
    if total is None or percent is None:
        return None
    return (total * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------
# Clauses per family of deal types: (heading, clauses, signatory names)
# ---------------------------------------------------------------------------

def _licence(deal, lang: str):
    lic = deal.licence
    acquiring = deal.deal_type == DealType.ACQUISITION
    ours, theirs = _own_party(lang), _party(deal.company, lang)
    licensor, licensee = (theirs, ours) if acquiring else (ours, theirs)
    clauses: list[tuple[str, list[str]]] = [
        (_("Parties"), [_with_address(_("Licensor: %(name)s", name=licensor["name"]), licensor),
                        _with_address(_("Licensee: %(name)s", name=licensee["name"]), licensee)]),
        (_("Licensed titles"), _titles(deal, lang) or [_("To be agreed")]),
        (_("Territory"), [_territory_text(deal)]),
        (_("Licensed media"), [_media(deal, lang)]),
    ]

    exclusive = lic.exclusive if lic else True
    rights = [_("The licence is exclusive.") if exclusive else _("The licence is non-exclusive.")]
    if lic and lic.holdback_months:
        rights.append(_("Holdback: %(months)d months.", months=lic.holdback_months))
    if lic and lic.holdbacks:
        rights.append(lic.holdbacks)
    clauses.append((_("Exclusivity and holdbacks"), rights))

    period = []
    if lic and lic.starts_on_permit:
        period.append(_("The licence period starts on the date of the import permit."))
    if lic and (lic.licence_start or lic.licence_end):
        period.append(_("Licence period: from %(start)s to %(end)s.",
                        start=fmt_date(lic.licence_start, "long"), end=fmt_date(lic.licence_end, "long")))
    if lic and lic.runs:
        period.append(_("Number of runs: %(runs)d.", runs=lic.runs))
    if lic and lic.languages:
        period.append(_("Authorised languages: %(languages)s.", languages=language_names(lic.languages, lang)))
    if lic and lic.first_run_obligation:
        period.append(lic.first_run_obligation)
    clauses.append((_("Licence period, runs and languages"), period or [_("To be agreed")]))

    fee = [_("Licence fee: %(amount)s.", amount=money(deal.amount, deal.currency))]
    if lic:
        fee.append(_("Fee basis: %(kind)s.", kind=str(lic.fee_kind.label)))
        if lic.minimum_guarantee is not None:
            fee.append(_("Minimum guarantee: %(amount)s.", amount=money(lic.minimum_guarantee, deal.currency)))
        if lic.fee_kind in (FeeKind.REVENUE_SHARE, FeeKind.MINIMUM_GUARANTEE) and lic.revenue_share is not None:
            fee.append(_("Revenue share to the licensor: %(share)s.", share=_pct(lic.revenue_share)))
        if lic.agent_commission is not None:
            fee.append(_("Sales-agent commission: %(share)s.", share=_pct(lic.agent_commission)))
    clauses.append((_("Fee"), fee))
    clauses.append((_("Payment schedule"), _payments(deal, lang)))
    clauses.append((_("Delivery materials"), [_(
        "Masters, M&E track, scripts, music cue sheets, stills, synopses and chain-of-title documents, "
        "as listed in the long-form agreement.")]))

    if deal.regulatory_status != RegulatoryStatus.NOT_NEEDED:
        clauses.append((_("Condition precedent"), [_(
            "The licence and any payment are conditional on the import approval of each title by the "
            "National Radio and Television Administration (NRTA) of the People's Republic of China. "
            "Current status: %(status)s.", status=str(deal.regulatory_status.label))]))
    return _("Licence term sheet"), clauses, [licensor["name"], licensee["name"]]


def _coproduction(deal, lang: str):
    terms = deal.coproduction
    partners = list(terms.partners) if terms else []
    if partners:
        parties = [_party(p.company, lang) for p in partners]
    else:
        parties = [_own_party(lang), _party(deal.company, lang)]
    shares = list(zip(partners, parties, strict=True)) if partners else []
    clauses: list[tuple[str, list[str]]] = [
        (_("Parties"), [_with_address(_("Co-producer: %(name)s", name=p["name"]), p) for p in parties]),
    ]

    project = []
    if terms and terms.working_title:
        project.append(_("Working title: %(title)s", title=terms.working_title))
    project += _titles(deal, lang)
    if terms and terms.episodes and terms.episode_minutes:
        project.append(_("Format: %(episodes)d × %(minutes)d'", episodes=terms.episodes,
                         minutes=terms.episode_minutes))
    if terms and terms.language:
        project.append(_("Original language(s): %(languages)s", languages=language_names(terms.language, lang)))
    if terms and terms.underlying_ip:
        project.append(_("Underlying rights: %(ip)s", ip=terms.underlying_ip))
    clauses.append((_("The project"), project or [_("To be agreed")]))

    budget_ccy = (terms.budget_currency if terms else None) or deal.currency
    financing = []
    if terms and terms.budget is not None:
        financing.append(_("Total budget: %(amount)s.", amount=money(terms.budget, budget_ccy)))
    for partner, party in shares:
        share = _share_of(terms.budget, partner.financing_share)
        financing.append(_(
            "%(name)s: %(share)s of the budget (%(amount)s), contributed as %(kind)s.", name=party["name"],
            share=_pct(partner.financing_share), amount=money(share, budget_ccy), kind=str(partner.contribution.label)))
    if terms and terms.overruns:
        financing.append(_("Overruns: %(text)s", text=terms.overruns))
    if terms:
        financing.append(_("A completion bond is required.") if terms.completion_bond
                         else _("No completion bond is required."))
    clauses.append((_("Budget and financing"), financing or [_("To be agreed")]))

    ownership = []
    for partner, party in shares:
        line = _("%(name)s owns %(share)s of the copyright in the series.", name=party["name"],
                 share=_pct(partner.ip_share))
        if partner.territories_retained:
            kept = describe_countries(expand_territories(partner.territories_retained.split()))
            line += " " + _("Territories retained: %(territories)s.", territories=kept)
        ownership.append(line)
    ownership.append(_("Exploitation territory: %(territories)s. Outside the territories a partner retains, the "
                       "series is exploited jointly or through a distributor the parties agree on.",
                       territories=_territory_text(deal)))
    clauses.append((_("Ownership and territories"), ownership))

    creative = [terms.creative_control] if terms and terms.creative_control else []
    creative.append(_("Production responsibilities, credits, accounting and audit, recoupment order and net "
                      "profits are set out in the co-production agreement."))
    clauses.append((_("Creative control and production"), creative))
    if terms and terms.delivery_date:
        clauses.append((_("Delivery"), [_("Delivery of the completed series by %(date)s.",
                                          date=fmt_date(terms.delivery_date, "long"))]))

    status = terms.official_status if terms else CoproductionStatus.NONE
    official = [_("Official status: %(status)s.", status=str(status.label))]
    if status in (CoproductionStatus.SARFT_ORDER_41, CoproductionStatus.PENDING):
        official.append(_("Under SARFT Order 41 (2004) the partners invest jointly, share creative staff and "
                          "risk, own the copyright jointly, and at least one third of the key creatives are "
                          "Chinese."))
    clauses.append((_("Official co-production status"), official))
    precedent = [_("Financing of the full budget is closed.")]
    if deal.regulatory_status != RegulatoryStatus.NOT_NEEDED:
        precedent.append(_("Project approval (立项) is obtained before production, and content review by the "
                           "National Radio and Television Administration (NRTA) before distribution in the "
                           "People's Republic of China. Current status: %(status)s.",
                           status=str(deal.regulatory_status.label)))
    clauses.append((_("Conditions precedent"), precedent))
    clauses.append((_("Payment schedule"), _payments(deal, lang)))
    return _("Co-production term sheet"), clauses, [p["name"] for p in parties]


def _format(deal, lang: str):
    terms = deal.format_terms
    licensor, licensee = _own_party(lang), _party(deal.company, lang)
    clauses: list[tuple[str, list[str]]] = [
        (_("Parties"), [_with_address(_("Licensor: %(name)s", name=licensor["name"]), licensor),
                        _with_address(_("Licensee: %(name)s", name=licensee["name"]), licensee)]),
        (_("The format"), _titles(deal, lang) or [_("To be agreed")]),
    ]
    where = [_territory_text(deal)]
    if terms and terms.platform:
        where.append(_("Platform: %(platform)s", platform=terms.platform))
    clauses.append((_("Territory and platform"), where))

    production = []
    if terms and terms.episodes:
        production.append(_("Episodes: %(episodes)d.", episodes=terms.episodes))
    if terms and terms.seasons:
        production.append(_("Seasons: %(seasons)d.", seasons=terms.seasons))
    production.append(_("The licence is exclusive.") if (terms.exclusive if terms else True)
                      else _("The licence is non-exclusive."))
    if terms and terms.option_seasons:
        production.append(_("The licensee has options for %(count)d further seasons.", count=terms.option_seasons))
    clauses.append((_("Episodes, seasons and options"), production))

    fee = []
    if terms and terms.fee_basis == FormatFeeBasis.PERCENT_OF_BUDGET and terms.fee_percent is not None:
        fee.append(_("Format fee: %(share)s of the local production budget.", share=_pct(terms.fee_percent)))
        if terms.local_budget is not None:
            fee.append(_("Local production budget: %(budget)s, so a format fee of %(amount)s.",
                         budget=money(terms.local_budget, deal.currency),
                         amount=money(_share_of(terms.local_budget, terms.fee_percent), deal.currency)))
    elif terms and terms.fee_per_episode is not None:
        fee.append(_("Format fee: %(amount)s per episode.", amount=money(terms.fee_per_episode, deal.currency)))
    fee.append(_("Total consideration: %(amount)s.", amount=money(deal.amount, deal.currency)))
    if terms and terms.backend_share is not None:
        fee.append(_("Back-end share to the licensor on sales of the local version: %(share)s.",
                     share=_pct(terms.backend_share)))
    clauses.append((_("Fee"), fee))
    clauses.append((_("Payment schedule"), _payments(deal, lang)))

    support = []
    if not terms or terms.production_bible:
        support.append(_("The licensor delivers the production bible (制作宝典) and tapes of original episodes."))
    if terms and terms.consultancy_days:
        support.append(_("Consultancy by a flying producer: %(days)d days.", days=terms.consultancy_days))
    support.append(_("Local changes to the format need the licensor's approval; new elements created for the "
                     "local version belong to the licensor."))
    clauses.append((_("Production support and approvals"), support))
    if deal.regulatory_status != RegulatoryStatus.NOT_NEEDED:
        clauses.append((_("Condition precedent"), [_(
            "The broadcast of an imported format is conditional on its filing with the National Radio and "
            "Television Administration (NRTA) at least two months before production. Current status: %(status)s.",
            status=str(deal.regulatory_status.label))]))
    return _("Format licence term sheet"), clauses, [licensor["name"], licensee["name"]]


BUILDERS = {**dict.fromkeys(LICENCE_TYPES, _licence), DealType.COPRODUCTION: _coproduction,
            DealType.FORMAT: _format}


def build_clauses(deal, lang: str) -> dict:
    """Every piece of document text in the active locale (call inside force_locale)."""
    heading, clauses, signatories = BUILDERS[deal.deal_type](deal, lang)
    clauses.append((_("Governing law and arbitration"), [_(
        "[To be agreed] This term sheet is governed by the laws of [jurisdiction]. Any dispute shall be "
        "submitted to the China International Economic and Trade Arbitration Commission (CIETAC) for "
        "arbitration in [city] under its rules then in force.")]))
    clauses.append((_("Confidentiality"), [_(
        "The parties shall keep the terms of this term sheet and of their negotiations confidential.")]))
    clauses.append((_("Non-binding"), [_(
        "This term sheet is a non-binding summary of the main terms under discussion. No party is bound "
        "until a long-form agreement is signed by both parties, except for the confidentiality clause.")]))
    return {
        "heading": heading,
        "deal_name": _pick(deal, "name", lang),
        "generated": _("Generated on %(date)s", date=fmt_date(dt.date.today(), "long")),
        "clauses": clauses,
        "sign_for": _("For and on behalf of"),
        "sign_labels": [_("Signature"), _("Name"), _("Job title"), _("Date")],
        "signatories": signatories,
    }


def _langs(language: DocumentLanguage | str) -> list[str]:
    language = DocumentLanguage(language)
    return ["en", "zh"] if language == DocumentLanguage.BILINGUAL else [language.value]


def render_html(deal, language: DocumentLanguage | str, *, for_pdf: bool = False,
                font_family: str | None = None) -> str:
    """The term sheet as HTML, in its own language(s), independent of the UI language."""
    langs = _langs(language)
    docs = []
    for lang in langs:
        with force_locale(LOCALES[lang]):
            docs.append(build_clauses(deal, lang))
    # Clause i of each language side by side; the builders emit the same clauses in every language.
    pairs = [[doc["clauses"][i] for doc in docs] for i in range(len(docs[0]["clauses"]))]
    signatories = [[doc["signatories"][i] for doc in docs] for i in range(len(docs[0]["signatories"]))]
    return render_template(
        "termsheets/termsheet.html", deal=deal, docs=docs, pairs=pairs, signatories=signatories, langs=langs,
        font_css=font_stylesheet(font_family) if for_pdf and font_family else None,
    )


def font_stylesheet(family: str) -> str:
    """A data: stylesheet naming ``family`` for the body and the page margins (the draft mark)."""
    name = family.replace('"', "").replace("\\", "")
    css = (f'.ts, .ts h1, .ts h2 {{ font-family: "{name}", sans-serif; }} '
           f'@page {{ @top-center {{ font-family: "{name}", sans-serif; }} '
           f'@bottom-center {{ font-family: "{name}", sans-serif; }} }}')
    return "data:text/css;charset=utf-8," + quote(css)


def render_pdf(deal, language: DocumentLanguage | str) -> bytes:
    """The term sheet as PDF bytes; FontMissingError when Chinese text has no font."""
    from weasyprint import HTML

    family = fonts.cjk_font_family()
    html = render_html(deal, language, for_pdf=True, font_family=family)
    require_cjk_font(html)  # the draft mark alone is Chinese: no CJK font, no PDF
    try:
        return HTML(string=html, base_url=BASE_URL, url_fetcher=safe_fetcher()).write_pdf(font_config=font_config())
    finally:
        release_memory()


_local = threading.local()


def font_config():
    """One WeasyPrint FontConfiguration per thread, reused across renders. A new one per
    render (WeasyPrint's default) builds a Pango font map each time that is never freed:
    RSS grew ~0.2 MB a render, ~45 MB over 200 renders (benchmarks/termsheet.py)."""
    from weasyprint.text.fonts import FontConfiguration

    if getattr(_local, "font_config", None) is None:
        _local.font_config = FontConfiguration()
    return _local.font_config


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_memory() -> None:
    """Hand the render's freed memory back to the system (glibc keeps freed arenas otherwise,
    so a worker's RSS would sit at its highest point). A few milliseconds; a full gc.collect()
    would cost ~150 ms a render here."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
