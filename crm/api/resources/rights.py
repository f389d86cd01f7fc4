"""/api/v1/rights/availability: are these rights in a title free? (Every role may ask.)"""

from __future__ import annotations

import marshmallow as ma
from babel import Locale
from marshmallow import validate

from ...enums import Medium
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...rights.availability import OPEN_END, OPEN_START
from ...rights.messages import describe
from ...rights.services import check_availability
from ...territories import GROUPS, is_known
from ...titles.models import Title
from .. import fields as f
from ..core import Blueprint, Resource
from ..errors import ApiError
from ..schemas import Schema

rights = Blueprint("api_rights", __name__, url_prefix="/api/v1/rights",
                   description="Rights availability: signed grants (hard conflicts) and late-stage deals (soft).")

TERRITORY_CODES = sorted(GROUPS) + sorted(c for c in Locale("en").territories if c not in GROUPS and is_known(c))


class AvailabilityQuerySchema(Schema):
    title_id = f.Id(strict=False, required=True)
    territories = ma.fields.List(
        f.String(validate=[validate.OneOf(
            TERRITORY_CODES, error="Unknown value.")]),
        required=True, validate=[validate.Length(min=1, max=300)],
        metadata={"description": "ISO country codes or groups (WW, GREATER_CHINA, CN_MAINLAND, EU…); repeat the "
                                 "parameter for several"})
    excluded = ma.fields.List(
        f.String(validate=[validate.OneOf(TERRITORY_CODES, error="Unknown value.")]),
        load_default=list, validate=[validate.Length(max=300)],
        metadata={"description": "Codes excluded from the territories, e.g. territories=WW&excluded=CN"})
    media = ma.fields.List(f.Enum(Medium), required=True, validate=[validate.Length(min=1, max=20)])
    start = f.QueryDate(load_default=None, metadata={"description": "Open-ended when left out"})
    end = f.QueryDate(load_default=None, metadata={"description": "Open-ended when left out"})
    exclusive = ma.fields.Boolean(load_default=True)


class OverlapSchema(Schema):
    countries = ma.fields.List(ma.fields.String())
    media = ma.fields.List(ma.fields.String())
    start = ma.fields.Date(allow_none=True, metadata={"description": "null: open start"})
    end = ma.fields.Date(allow_none=True, metadata={"description": "null: open end"})


class ConflictSchema(Schema):
    kind = ma.fields.String(metadata={"description": '"hard" (signed grant) or "soft" (late-stage deal)'})
    title_id = ma.fields.Integer()
    deal_id = ma.fields.Integer(allow_none=True)
    grant_id = ma.fields.Integer(allow_none=True)
    title_name_en = ma.fields.String(allow_none=True)
    title_name_zh = ma.fields.String(allow_none=True)
    deal_name_en = ma.fields.String(allow_none=True)
    deal_name_zh = ma.fields.String(allow_none=True)
    stage_name_en = ma.fields.String(allow_none=True)
    stage_name_zh = ma.fields.String(allow_none=True)
    holder_exclusive = ma.fields.Boolean()
    request_exclusive = ma.fields.Boolean()
    overlap = ma.fields.Nested(OverlapSchema)
    message = ma.fields.String(metadata={"description": "The conflict in a sentence, in the requested language"})


class AvailabilitySchema(Schema):
    available = ma.fields.Boolean(metadata={"description": "True when there is no hard conflict"})
    conflicts = ma.fields.List(ma.fields.Nested(ConflictSchema))


def conflict_out(conflict) -> dict:
    o = conflict.overlap
    return {
        "kind": conflict.kind, "title_id": conflict.title_id, "deal_id": conflict.deal_id,
        "grant_id": conflict.grant_id,
        "title_name_en": conflict.title_names[0], "title_name_zh": conflict.title_names[1],
        "deal_name_en": conflict.deal_names[0], "deal_name_zh": conflict.deal_names[1],
        "stage_name_en": conflict.stage_names[0], "stage_name_zh": conflict.stage_names[1],
        "holder_exclusive": conflict.holder_exclusive, "request_exclusive": conflict.request_exclusive,
        "overlap": {"countries": sorted(o.countries), "media": sorted(getattr(m, "value", m) for m in o.media),
                    "start": None if o.start == OPEN_START else o.start,
                    "end": None if o.end == OPEN_END else o.end},
        "message": str(describe(conflict)),
    }


@rights.route("/availability")
class Availability(Resource):
    @rights.arguments(AvailabilityQuerySchema, location="query")
    @rights.response(200, AvailabilitySchema)
    def get(self, args):
        """Check a title's rights for territories, media and a period; lists the conflicts, hard first."""
        if db.session.get(Title, args["title_id"]) is None:
            raise ApiError(422, errors={"title_id": [_l("No title with this id.")]})
        start, end = args["start"], args["end"]
        if start and end and end < start:
            raise ApiError(422, errors={"end": [_l("The period must end after it starts.")]})
        both = sorted(set(args["territories"]) & set(args["excluded"]))
        if both:
            raise ApiError(422, errors={"excluded": [_l("%(codes)s cannot be both included and excluded.",
                                                         codes=", ".join(both))]})
        entries = [(c, False) for c in args["territories"]] + [(c, True) for c in args["excluded"]]
        conflicts = check_availability([args["title_id"]], entries, [Medium(m) for m in args["media"]],
                                       start, end, args["exclusive"])
        return {"available": not any(c.is_hard for c in conflicts), "conflicts": [conflict_out(c) for c in conflicts]}


