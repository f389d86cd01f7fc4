from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from ..enums import DealType
from . import bp
from .queries import deal_detail, deal_list, pipeline_columns


def _deal_type_arg() -> DealType | None:
    value = request.args.get("type")
    if not value:
        return None
    try:
        return DealType(value)
    except ValueError:
        abort(404)


@bp.route("/")
@login_required
def index():
    deal_type = _deal_type_arg()
    page = request.args.get("page", 1, type=int)
    pagination = deal_list(current_user, deal_type=deal_type, page=max(page, 1))
    return render_template("deals/index.html", pagination=pagination, deal_type=deal_type, DealType=DealType)


@bp.route("/<int:deal_id>")
@login_required
def detail(deal_id: int):
    """A deal; 404 when it does not exist or belongs to another rep."""
    deal = deal_detail(current_user, deal_id)
    if deal is None:
        abort(404)
    return render_template("deals/detail.html", deal=deal)


@bp.route("/pipeline")
@login_required
def pipeline():
    deal_type = _deal_type_arg() or DealType.DISTRIBUTION
    columns = pipeline_columns(current_user, deal_type)
    return render_template("deals/pipeline.html", columns=columns, deal_type=deal_type, DealType=DealType)
