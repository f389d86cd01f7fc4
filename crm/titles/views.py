from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from ..companies.views import search_arg
from ..enums import Genre
from ..i18n import ui_lang
from . import bp
from .queries import title_deals, title_detail, title_list


@bp.route("/")
@login_required
def index():
    q = search_arg()
    genre = request.args.get("genre", type=Genre)  # unknown values are ignored
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = title_list(q=q, genre=genre, lang=ui_lang(), page=page)
    return render_template("titles/index.html", pagination=pagination, q=q, genre=genre, Genre=Genre)


@bp.route("/<int:title_id>")
@login_required
def detail(title_id: int):
    """A title (shared); its deals are limited to what the user may see."""
    title = title_detail(title_id)
    if title is None:
        abort(404)
    return render_template("titles/detail.html", title=title, deals=title_deals(current_user, title.id))
