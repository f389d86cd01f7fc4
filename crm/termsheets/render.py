"""Term-sheet rendering: clause text built in the document's own language(s), then
HTML (preview) or PDF (WeasyPrint, with the safe URL fetcher and an explicit CJK font)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..enums import DealType, DocumentLanguage, FeeKind, RegulatoryStatus
from ..i18n import date as fmt_date
from ..i18n import money, number
from ..territories import describe_countries, expand_territories
from . import fonts
from .fetcher import BASE_URL, safe_fetcher
from .fonts import require_cjk_font

LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
LICENCE_TYPES = (DealType.DISTRIBUTION, DealType.ACQUISITION, DealType.PRESALE)


def _pick(obj, attr: str, lang: str) -> str:
    en, zh = getattr(obj, f"{attr}_en", None), getattr(obj, f"{attr}_zh", None)
    return (zh or en or "") if lang == "zh" else (en or zh or "")


def _party(company, lang: str) -> dict:
    if company is None:
        return {"name": _("[Party to be named]"), "address": ""}
    return {
        "name": _pick(company, "legal_name", lang) or _pick(company, "name", lang),
        "trade_name": _pick(company, "name", lang),
        "address": _pick(company, "address", lang),
    }


def _own_party(lang: str) -> dict:
    cfg = current_app.config
    name = cfg.get("TERMSHEET_OWN_NAME_ZH" if lang == "zh" else "TERMSHEET_OWN_NAME_EN")
    address = cfg.get("TERMSHEET_OWN_ADDRESS_ZH" if lang == "zh" else "TERMSHEET_OWN_ADDRESS_EN")
    return {"name": name or _("[Our company's legal name]"), "trade_name": "", "address": address or ""}


def _pct(value) -> str:
    return "—" if value is None else f"{number(value)}%"


def _territory_text(deal) -> str:
    included = [t.code for t in deal.territories if not t.excluded]
    excluded = [t.code for t in deal.territories if t.excluded]
    if not included:
        return _("To be agreed")
    return describe_countries(expand_territories(included, excluded))


def build_clauses(deal, lang: str) -> dict:
    """Every piece of document text in the active locale (call inside force_locale)."""
    lic = deal.licence
    acquiring = deal.deal_type == DealType.ACQUISITION
    ours, theirs = _own_party(lang), _party(deal.company, lang)
    licensor, licensee = (theirs, ours) if acquiring else (ours, theirs)
    sep = "、" if lang == "zh" else ", "
    clauses: list[tuple[str, list[str]]] = []

    clauses.append((_("Parties"), [
        _("Licensor: %(name)s", name=licensor["name"]) + (f" — {licensor['address']}" if licensor["address"] else ""),
        _("Licensee: %(name)s", name=licensee["name"]) + (f" — {licensee['address']}" if licensee["address"] else ""),
    ]))
    titles = [
        _pick(t, "name", lang) + (f" ({t.format_label})" if t.format_label else "") for t in deal.titles
    ]
    clauses.append((_("Licensed titles"), titles or [_("To be agreed")]))
    clauses.append((_("Territory"), [_territory_text(deal)]))
    clauses.append((_("Licensed media"), [sep.join(str(m.medium.label) for m in deal.media) or _("To be agreed")]))

    rights = []
    exclusive = lic.exclusive if lic else True
    rights.append(_("The licence is exclusive.") if exclusive else _("The licence is non-exclusive."))
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
        period.append(_("Authorised languages: %(languages)s.", languages=lic.languages))
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

    payments = [
        f"{_pct(p.percent)} {_pick(p, 'trigger', lang)}"
        for p in sorted(deal.payments, key=lambda p: p.sequence)
    ]
    clauses.append((_("Payment schedule"), payments or [_("To be agreed")]))

    if deal.regulatory_status != RegulatoryStatus.NOT_NEEDED:
        clauses.append((_("Condition precedent"), [_(
            "The licence and any payment are conditional on the import approval of each title by the "
            "National Radio and Television Administration (NRTA) of the People's Republic of China. "
            "Current status: %(status)s.", status=str(deal.regulatory_status.label))]))
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
        "heading": _("Licence term sheet"),
        "deal_name": _pick(deal, "name", lang),
        "generated": _("Generated on %(date)s", date=fmt_date(dt.date.today(), "long")),
        "clauses": clauses,
        "sign_for": _("For and on behalf of"),
        "sign_labels": [_("Signature"), _("Name"), _("Job title"), _("Date")],
        "licensor": licensor["name"],
        "licensee": licensee["name"],
        "not_available": _("A term sheet for this deal type is not available yet."),
    }


def _langs(language: DocumentLanguage | str) -> list[str]:
    language = DocumentLanguage(language)
    return ["en", "zh"] if language == DocumentLanguage.BILINGUAL else [language.value]


def render_html(deal, language: DocumentLanguage | str, *, for_pdf: bool = False,
                font_family: str | None = None) -> str:
    """The term sheet as HTML, in its own language(s), independent of the UI language."""
    versions = []
    for lang in _langs(language):
        with force_locale(LOCALES[lang]):
            versions.append(build_clauses(deal, lang))
    pairs = [
        [(v["clauses"][i][0], v["clauses"][i][1]) for v in versions] for i in range(len(versions[0]["clauses"]))
    ]
    return render_template(
        "termsheets/licence.html", deal=deal, docs=versions, pairs=pairs, langs=_langs(language),
        supported=deal.deal_type in LICENCE_TYPES, for_pdf=for_pdf, font_family=font_family,
    )


def render_pdf(deal, language: DocumentLanguage | str) -> bytes:
    """The term sheet as PDF bytes; FontMissingError when Chinese text has no font."""
    from weasyprint import HTML

    family = fonts.cjk_font_family()
    html = render_html(deal, language, for_pdf=True, font_family=family)
    require_cjk_font(html)  # the draft mark alone is Chinese: no CJK font, no PDF
    return HTML(string=html, base_url=BASE_URL, url_fetcher=safe_fetcher).write_pdf()
