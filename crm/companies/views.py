from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from ..enums import CompanyKind
from ..i18n import ui_lang
from . import bp
from .queries import company_activity, company_contacts, company_detail, company_list


def search_arg() -> str:
    """The ``q`` filter, trimmed and bounded so a pasted essay cannot become a huge LIKE."""
    return request.args.get("q", "").strip()[:100]


@bp.route("/")
@login_required
def index():
    q = search_arg()
    kind = request.args.get("kind", type=CompanyKind)  # unknown values are ignored
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = company_list(q=q, kind=kind, lang=ui_lang(), page=page)
    return render_template("companies/index.html", pagination=pagination, q=q, kind=kind, CompanyKind=CompanyKind)


@bp.route("/<int:company_id>")
@login_required
def detail(company_id: int):
    """A company; its deals, leads and meetings are limited to what the user may see.
    404 when the company does not exist."""
    company = company_detail(company_id)
    if company is None:
        abort(404)
    return render_template(
        "companies/detail.html",
        company=company,
        contacts=company_contacts(company.id, ui_lang()),
        **company_activity(current_user, company.id),
    )
