from __future__ import annotations

from babel import Locale
from babel.lists import format_list
from flask import abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from ..companies.views import search_arg
from ..i18n import ui_lang
from . import bp
from .queries import contact_activity, contact_detail, contact_list


def language_names(codes: str | None) -> str:
    """Space-separated ISO 639-1 codes ("zh en") as a list in the UI language:
    "Chinese and English" / "中文和英语"."""
    locale = Locale.parse(str(get_locale()))
    names = [locale.languages.get(code, code) for code in (codes or "").split()]
    return format_list(names, locale=locale) if names else ""


@bp.route("/")
@login_required
def index():
    q = search_arg()
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = contact_list(q=q, lang=ui_lang(), page=page)
    return render_template("contacts/index.html", pagination=pagination, q=q)


@bp.route("/<int:contact_id>")
@login_required
def detail(contact_id: int):
    """A contact; its deals, leads and meetings are limited to what the user may see."""
    contact = contact_detail(contact_id)
    if contact is None:
        abort(404)
    return render_template(
        "contacts/detail.html",
        contact=contact,
        languages=language_names(contact.languages),
        **contact_activity(current_user, contact.id),
    )
