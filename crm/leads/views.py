from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from ..enums import LeadStatus
from . import bp
from .queries import lead_detail, lead_list, lead_related


@bp.route("/")
@login_required
def index():
    status = request.args.get("status", type=LeadStatus)  # unknown values are ignored
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = lead_list(current_user, status=status, page=page)
    return render_template("leads/index.html", pagination=pagination, status=status, LeadStatus=LeadStatus)


@bp.route("/<int:lead_id>")
@login_required
def detail(lead_id: int):
    """A lead; 404 when it does not exist or belongs to another rep."""
    lead = lead_detail(current_user, lead_id)
    if lead is None:
        abort(404)
    # The source meeting may be a colleague's: name it, but link only if the user may open it.
    meeting_visible = lead.meeting is not None and (current_user.is_manager or lead.meeting.owner_id == current_user.id)
    return render_template(
        "leads/detail.html", lead=lead, meeting_visible=meeting_visible, **lead_related(current_user, lead.id)
    )
