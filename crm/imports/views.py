"""Import pages: choose a kind, upload, preview and map columns, import, see the result.

The uploaded file stays on the server (see storage.py); the browser only
carries a token that is honoured for the user who uploaded it (404 otherwise).
"""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from ..events.models import Event
from ..extensions import db
from ..i18n import bilingual, ui_lang
from . import bp, storage
from .forms import UploadForm, mapping_form
from .mapping import FIELDS, KINDS, auto_mapping, check_mapping, template_headers
from .parsing import ImportFileError, read_table
from .services import ImportRunError, plan_import, report_csv, run_import

PREVIEW_ROWS = 10
LIST_LIMIT = 50


def _kind_or_404(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _event_choices() -> list[tuple[int, str]]:
    events = db.session.scalars(sa.select(Event).where(Event.archived_at.is_(None))
                                .order_by(Event.start_date.desc()).limit(200))
    return [(e.id, f"{bilingual(e)} · {e.start_date.isoformat()}") for e in events]


@bp.route("/")
@login_required
def index():
    return render_template("imports/index.html", kinds=list(KINDS.values()))


@bp.route("/<kind>/", methods=["GET", "POST"])
@login_required
def upload(kind: str):
    spec = _kind_or_404(kind)
    form = UploadForm()
    events = _event_choices()
    form.event.choices = [(0, _("— No event —") if not spec.needs_event else _("— Choose the event —")), *events]
    if request.method == "GET" and request.args.get("event", type=int):
        form.event.data = request.args.get("event", type=int)
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or ""
        event_id = form.event.data or None
        if spec.needs_event and not event_id:
            form.event.errors.append(_("Choose the event this schedule belongs to."))
        else:
            try:
                table = read_table(data, filename, encoding=form.encoding.data or None)
            except ImportFileError as exc:
                form.file.errors.append(exc.message)
            else:
                token = storage.save_upload(
                    data, user_id=current_user.id, filename=filename, kind=kind, event_id=event_id,
                    encoding=form.encoding.data or table.encoding, mapping=auto_mapping(kind, table.headers))
                return redirect(url_for("imports.preview", kind=kind, token=token))
    fields = [FIELDS[f] for f in spec.fields]
    return render_template("imports/upload.html", form=form, spec=spec, fields=fields,
                           has_events=bool(events))


@bp.route("/<kind>/template.csv")
@login_required
def template(kind: str):
    """A blank CSV with the recognised headers in the user's language."""
    _kind_or_404(kind)
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerow(template_headers(kind, ui_lang()))
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={kind}-template.csv"})


def _load(kind: str, token: str):
    """(meta, table, event) for the user's upload; 404 if it is not theirs or has expired."""
    _kind_or_404(kind)
    loaded = storage.load_upload(token, current_user.id)
    if loaded is None or loaded[1].get("kind") != kind:
        abort(404)
    data, meta = loaded
    table = read_table(data, meta.get("filename"), encoding=meta.get("encoding"))
    event = db.session.get(Event, meta["event_id"]) if meta.get("event_id") else None
    return meta, table, event


@bp.route("/<kind>/<token>", methods=["GET", "POST"])
@login_required
def preview(kind: str, token: str):
    """Preview the first rows, adjust the column mapping, then import."""
    try:
        meta, table, event = _load(kind, token)
    except ImportFileError as exc:
        storage.delete_upload(token)
        flash(exc.message, "error")
        return redirect(url_for("imports.upload", kind=kind))
    form = mapping_form(kind, table.headers, meta["mapping"])
    mapping = meta["mapping"]
    mapping_problems: list = []
    if request.method == "POST":
        if not form.validate():
            abort(400)
        mapping = [form[f"col_{i}"].data for i in range(len(table.headers))]
        mapping_problems = [str(p) for p in check_mapping(kind, mapping)]
        storage.update_meta(token, current_user.id, mapping=mapping)
        if form.confirm.data and not mapping_problems:
            return _do_import(kind, token, meta, table, event, mapping, form.mode.data)
    plan = None
    if not mapping_problems:
        try:
            plan = plan_import(kind, table, mapping, user=current_user, event=event)
        except ImportRunError as exc:
            mapping_problems = [str(exc.args[0])]
    return render_template(
        "imports/preview.html", spec=KINDS[kind], form=form, table=table, meta=meta, event=event, token=token,
        rows=table.rows[:PREVIEW_ROWS], plan=plan, mapping_problems=mapping_problems, limit=LIST_LIMIT,
        column_fields=[form[f"col_{i}"] for i in range(len(table.headers))],
    )


def _do_import(kind, token, meta, table, event, mapping, mode):
    try:
        result = run_import(kind, table, mapping, user=current_user, event=event, mode=mode,
                            filename=meta.get("filename"))
        db.session.commit()
    except ImportRunError as exc:
        db.session.rollback()
        flash(str(exc.args[0]), "error")
        return redirect(url_for("imports.preview", kind=kind, token=token))
    except SQLAlchemyError:
        db.session.rollback()
        flash(_("The database refused the import, so nothing was written. Check the file and try again."), "error")
        return redirect(url_for("imports.preview", kind=kind, token=token))
    data = result.as_dict()
    data["filename"] = meta.get("filename")
    storage.save_result(token, current_user.id, data)
    if result.written:
        storage.delete_upload(token)
    return redirect(url_for("imports.result", token=token))


@bp.route("/<kind>/<token>/cancel", methods=["POST"])
@login_required
def cancel(kind: str, token: str):
    _kind_or_404(kind)
    if storage.load_upload(token, current_user.id) is None:
        abort(404)
    storage.delete_upload(token)
    flash(_("The upload was discarded."), "info")
    return redirect(url_for("imports.index"))


@bp.route("/<kind>/<token>/report.csv")
@login_required
def preview_report(kind: str, token: str):
    """The problems the preview found, as CSV (before importing)."""
    try:
        meta, table, event = _load(kind, token)
        plan = plan_import(kind, table, meta["mapping"], user=current_user, event=event)
    except (ImportFileError, ImportRunError):
        abort(404)
    return _csv_response(report_csv(plan.errors, plan.warnings), f"{kind}-problems.csv")


@bp.route("/result/<token>")
@login_required
def result(token: str):
    data = storage.load_result(token, current_user.id)
    if data is None:
        abort(404)
    upload_kept = storage.load_upload(token, current_user.id) is not None
    return render_template("imports/result.html", result=data, spec=KINDS[data["kind"]], token=token,
                           upload_kept=upload_kept)


@bp.route("/result/<token>/report.csv")
@login_required
def result_report(token: str):
    data = storage.load_result(token, current_user.id)
    if data is None:
        abort(404)
    return _csv_response(report_csv(data["errors"], data["warnings"]), f"{data['kind']}-import-report.csv")


def _csv_response(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
