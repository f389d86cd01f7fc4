"""Term-sheet routes: HTML preview, generation, download. Scoped to deals the user may see."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..deals.models import Deal
from ..enums import DocumentLanguage
from ..extensions import db
from ..permissions import get_visible_or_404
from . import bp
from .fonts import FontMissingError
from .models import TermSheet
from .render import render_html
from .services import generate


def _language(value: str | None) -> DocumentLanguage:
    try:
        return DocumentLanguage(value or "en")
    except ValueError:
        abort(400)


@bp.get("/deals/<int:deal_id>/term-sheets/preview")
@login_required
def preview(deal_id: int):
    deal = get_visible_or_404(Deal, deal_id, current_user)
    return render_html(deal, _language(request.args.get("lang")))


@bp.post("/deals/<int:deal_id>/term-sheets")
@login_required
def create(deal_id: int):
    deal = get_visible_or_404(Deal, deal_id, current_user)
    language = _language(request.form.get("lang"))
    try:
        sheet = generate(deal, language, current_user)
        number = sheet.number
        db.session.commit()
    except FontMissingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Term sheet version %(number)d is ready.", number=number), "success")
    return redirect(url_for("deals.detail", deal_id=deal_id) + "#term-sheets")


@bp.get("/term-sheets/<int:sheet_id>/download")
@login_required
def download(sheet_id: int):
    sheet = db.session.get(TermSheet, sheet_id)
    if sheet is None:
        abort(404)
    get_visible_or_404(Deal, sheet.deal_id, current_user)
    filename = f"term-sheet-deal{sheet.deal_id}-v{sheet.number}-{sheet.language.value}.pdf"
    return Response(
        sheet.content, mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"},
    )


@bp.app_context_processor
def _term_sheet_helpers():
    def term_sheet_versions(deal_id: int) -> list[TermSheet]:
        from .services import versions

        return versions(deal_id)

    return {"term_sheet_versions": term_sheet_versions}
