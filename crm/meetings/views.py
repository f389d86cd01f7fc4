from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from ..enums import MeetingStatus
from . import bp
from .queries import WHEN, filter_events, meeting_detail, meeting_list, meeting_related


@bp.route("/")
@login_required
def index():
    # Filters live in the URL so a filtered list can be bookmarked; unknown values are ignored.
    status = request.args.get("status", type=MeetingStatus)
    event_id = request.args.get("event", type=int)
    when = request.args.get("when")
    when = when if when in WHEN else None
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = meeting_list(current_user, status=status, event_id=event_id, when=when, page=page)
    return render_template(
        "meetings/index.html", pagination=pagination, status=status, event_id=event_id, when=when,
        events=filter_events(), MeetingStatus=MeetingStatus,
    )


@bp.route("/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    """A meeting; 404 when it does not exist or belongs to another rep."""
    meeting = meeting_detail(current_user, meeting_id)
    if meeting is None:
        abort(404)
    return render_template("meetings/detail.html", meeting=meeting, **meeting_related(current_user, meeting.id))
