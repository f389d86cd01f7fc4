"""Shared schemas: the error body, list envelopes and the list query."""

from __future__ import annotations

import marshmallow as ma

from . import fields as f

MAX_PER_PAGE = 100


class Schema(ma.Schema):
    """Strict by default: an unknown field is a 422, not silently dropped."""

    class Meta:
        unknown = ma.RAISE


class ErrorSchema(Schema):
    code = ma.fields.String(required=True, metadata={"description": "Machine-readable error code",
                                                     "example": "validation_error"})
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status"})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong, in the requested language"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(), required=True,
        metadata={"description": 'Messages per field, e.g. {"name_en": ["..."]}; "_schema" for the whole body'},
    )
    current = ma.fields.Dict(metadata={"description": "409 only: the record as it is now (e.g. its version)"})
    conflicts = ma.fields.List(ma.fields.Dict(), metadata={"description": "Rights conflicts that refused a move"})


class LinksSchema(Schema):
    self = ma.fields.String(required=True)
    first = ma.fields.String(required=True)
    last = ma.fields.String(required=True)
    prev = ma.fields.String(allow_none=True, required=True)
    next = ma.fields.String(allow_none=True, required=True)


class ListQuerySchema(Schema):
    page = f.Integer(strict=False, minimum=1, load_default=1, metadata={"description": "Page number, from 1"})
    per_page = f.Integer(strict=False, minimum=1, maximum=MAX_PER_PAGE, load_default=20,
                         metadata={"description": f"Items per page, at most {MAX_PER_PAGE}"})


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A list envelope: items, page, per_page, total (capped at 10,000; see total_is_capped) and links."""
    return type(name, (Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "page": ma.fields.Integer(required=True),
        "per_page": ma.fields.Integer(required=True),
        "total": ma.fields.Integer(required=True),
        "total_is_capped": ma.fields.Boolean(required=True),
        "links": ma.fields.Nested(LinksSchema, required=True),
    })
