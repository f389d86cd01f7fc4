"""Title pages (the shared catalogue): list (filters, sort, export), detail with
the deals the user may see, create/edit, archive/restore and (admins) delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit.models import record
from ..companies.views import search_arg
from ..enums import Genre, TitleStatus
from ..extensions import db
from ..i18n import ui_lang
from ..listing import export_response, sort_link_args
from ..pickers import keep_archived
from ..records import dependents
from . import bp
from .forms import TitleForm
from .models import Title
from .queries import (
    TitleFilters,
    rights_holder_choices,
    title_deals,
    title_detail,
    title_list,
    title_rows_for_export,
)
from .services import TITLE_FIELDS, TitleError, archive_title, create_title, delete_title, restore_title, update_title


def _filters() -> TitleFilters:
    return TitleFilters(
        q=search_arg(),
        genre=request.args.get("genre", type=Genre),  # unknown values are ignored
        status=request.args.get("status", type=TitleStatus),
        rights_holder_id=request.args.get("rights_holder", type=int),
        archived=request.args.get("archived") == "1",
    )


@bp.route("/")
@login_required
def index():
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = title_list(filters=filters, lang=ui_lang(), sort=request.args.get("sort"), page=page)
    return render_template(
        "titles/index.html", pagination=pagination, filters=filters, q=filters.q, genre=filters.genre,
        sort=pagination.sort_key, sort_link_args=sort_link_args, Genre=Genre, TitleStatus=TitleStatus,
        rights_holders=rights_holder_choices(ui_lang()),
    )


@bp.route("/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str):
    """Exactly the filtered list, as CSV or XLSX."""
    lang = ui_lang()
    rows = title_rows_for_export(_filters(), sort=request.args.get("sort"), lang=lang)
    headers = [_("ID"), _("English name"), _("Chinese name"), _("Genre"), _("Episodes"), _("Minutes per episode"),
               _("Status"), _("Year"), _("Rights holder")]

    def lines():
        for t in rows:
            yield [t.id, t.name_en, t.name_zh, str(t.genre.label), t.episodes, t.episode_minutes, str(t.status.label),
                   t.year, t.rights_holder.display_name(lang) if t.rights_holder else ""]

    return export_response(fmt, "titles", headers, lines())


@bp.route("/<int:title_id>")
@login_required
def detail(title_id: int):
    """A title (shared); its deals are limited to what the user may see."""
    title = title_detail(title_id)
    if title is None:
        abort(404)
    return render_template("titles/detail.html", title=title, deals=title_deals(current_user, title.id))


def _prepare(form: TitleForm, title: Title | None) -> None:
    if title is not None:
        keep_archived(form, title.rights_holder_id)


def _fields(form: TitleForm) -> dict:
    return {name: form[name].data for name in TITLE_FIELDS}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = TitleForm()
    if request.method == "GET":
        form.rights_holder_id.data = request.args.get("rights_holder_id", type=int)
    _prepare(form, None)
    if form.validate_on_submit():
        try:
            title = create_title(**_fields(form))
        except TitleError as exc:
            db.session.rollback()
            form[exc.field].errors = [*form[exc.field].errors, str(exc.args[0])]
        else:
            record("create", user_id=current_user.id, entity=title, ip=request.remote_addr)
            db.session.commit()
            flash(_("Title created."), "success")
            return redirect(url_for("titles.detail", title_id=title.id))
    return render_template("titles/form.html", form=form, title=None)


@bp.route("/<int:title_id>/edit", methods=["GET", "POST"])
@login_required
def edit(title_id: int):
    title = db.session.get(Title, title_id) or abort(404)
    form = TitleForm(obj=title)
    if request.method == "GET":
        form.genre.data = title.genre.value
        form.status.data = title.status.value
    _prepare(form, title)
    if form.validate_on_submit():
        try:
            update_title(title, **_fields(form))
        except TitleError as exc:
            db.session.rollback()
            title = db.session.get(Title, title_id)
            form[exc.field].errors = [*form[exc.field].errors, str(exc.args[0])]
        else:
            record("update", user_id=current_user.id, entity=title, ip=request.remote_addr)
            db.session.commit()
            flash(_("Title saved."), "success")
            return redirect(url_for("titles.detail", title_id=title.id))
    return render_template("titles/form.html", form=form, title=title)


@bp.post("/<int:title_id>/archive")
@login_required
def archive(title_id: int):
    title = db.session.get(Title, title_id) or abort(404)
    archive_title(title)
    record("archive", user_id=current_user.id, entity=title, ip=request.remote_addr)
    db.session.commit()
    flash(_("Title archived. You can restore it from the archived titles."), "success")
    return redirect(url_for("titles.detail", title_id=title.id))


@bp.post("/<int:title_id>/restore")
@login_required
def restore(title_id: int):
    title = db.session.get(Title, title_id) or abort(404)
    restore_title(title)
    record("restore", user_id=current_user.id, entity=title, ip=request.remote_addr)
    db.session.commit()
    flash(_("Title restored."), "success")
    return redirect(url_for("titles.detail", title_id=title.id))


@bp.route("/<int:title_id>/delete", methods=["GET", "POST"])
@login_required
def delete(title_id: int):
    """Admins only (403 otherwise): GET asks for confirmation, POST deletes unless deals or rights depend on it."""
    if not current_user.is_admin:
        abort(403)
    title = db.session.get(Title, title_id) or abort(404)
    if request.method == "POST":
        name = title.display_name(ui_lang())
        record("delete", user_id=current_user.id, entity=title, ip=request.remote_addr, changes={"name": name})
        blocking = delete_title(title)
        if not blocking:
            db.session.commit()
            flash(_("Title “%(name)s” deleted.", name=name), "success")
            return redirect(url_for("titles.index"))
        db.session.rollback()
        title = db.session.get(Title, title_id)
        return render_template("titles/delete.html", title=title, blocking=blocking), 409
    return render_template("titles/delete.html", title=title, blocking=dependents(title))
