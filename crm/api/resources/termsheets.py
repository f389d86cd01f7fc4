"""/api/v1/deals/<id>/term-sheets (generate, list) and /api/v1/term-sheets/<id>/pdf (download).
The same scoping as the deal: another rep's deal or its term sheets are a 404."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, url_for

from ...enums import DocumentLanguage
from ...extensions import db
from ...termsheets.fonts import FontMissingError
from ...termsheets.models import TermSheet
from ...termsheets.services import generate, versions
from .. import fields as f
from ..core import Blueprint, Resource
from ..errors import ApiError, api_user
from ..schemas import Schema
from .deals import deals, get_deal

termsheets = Blueprint("api_term_sheets", __name__, url_prefix="/api/v1/term-sheets",
                       description="Term sheets (条款书): numbered PDF versions of a deal's terms.")


class GenerateSchema(Schema):
    language = f.Enum(DocumentLanguage, load_default="en",
                      metadata={"description": '"en", "zh" or "bilingual"'})


class TermSheetSchema(Schema):
    id = ma.fields.Integer()
    deal_id = ma.fields.Integer()
    number = ma.fields.Integer(metadata={"description": "The version number, per deal"})
    language = f.Enum(DocumentLanguage)
    deal_version = ma.fields.Integer(metadata={"description": "The deal version the document shows"})
    sha256 = ma.fields.String(metadata={"description": "SHA-256 of the PDF, hex"})
    size_bytes = ma.fields.Integer()
    generated_by_id = ma.fields.Integer(allow_none=True)
    generated_at = f.AwareDateTime()
    download_url = ma.fields.Method("_download_url", metadata={"description": "GET it (with the token) for the PDF"})

    def _download_url(self, sheet) -> str:
        return url_for("api_term_sheets.TermSheetPdf", sheet_id=sheet.id)


class TermSheetListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(TermSheetSchema), required=True)


@deals.route("/<id:deal_id>/term-sheets")
class DealTermSheets(Resource):
    @deals.response(200, TermSheetListSchema)
    @deals.alt_response(404, response="NOT_FOUND")
    def get(self, deal_id):
        """The deal's term-sheet versions, newest first."""
        return {"items": versions(get_deal(deal_id).id)}

    @deals.arguments(GenerateSchema)
    @deals.response(201, TermSheetSchema)
    @deals.alt_response(404, response="NOT_FOUND")
    @deals.alt_response(503, response="SERVICE_UNAVAILABLE")
    def post(self, data, deal_id):
        """Generate the term sheet of the deal as it is now (a new numbered version unless the latest
        one in this language already shows this deal version). 503 when the server lacks a Chinese font."""
        deal = get_deal(deal_id)
        try:
            sheet = generate(deal, data["language"], api_user())
            db.session.commit()
        except FontMissingError as exc:
            db.session.rollback()
            raise ApiError(503, str(exc), code="font_missing") from None
        return sheet


@termsheets.route("/<id:sheet_id>/pdf")
class TermSheetPdf(Resource):
    @termsheets.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf",
                         description="The PDF")
    @termsheets.alt_response(404, response="NOT_FOUND")
    def get(self, sheet_id):
        """Download a term-sheet version's PDF."""
        sheet = db.session.get(TermSheet, sheet_id)
        if sheet is None:
            raise ApiError(404)
        get_deal(sheet.deal_id)  # 404 unless the user may see the deal
        filename = f"term-sheet-deal{sheet.deal_id}-v{sheet.number}-{sheet.language.value}.pdf"
        return Response(sheet.content, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "X-Content-Type-Options": "nosniff"})
