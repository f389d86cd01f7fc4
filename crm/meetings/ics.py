"""Meetings as an iCalendar (.ics) file that calendar programs import.

Times are written in UTC (``DTSTART:20170523T013000Z``), which every calendar
program converts to its own zone correctly; the event's zone is named in the
description so the local time stays visible. UIDs are stable per meeting, so
importing the file again updates the entries instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from ..db_types import utcnow
from ..enums import MeetingStatus
from .models import Meeting

PRODID = "-//Co-production CRM//Meetings//EN"
STATUS = {
    MeetingStatus.SCHEDULED: "CONFIRMED",
    MeetingStatus.HELD: "CONFIRMED",
    MeetingStatus.NO_SHOW: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}


def _name(obj, lang: str) -> str:
    if obj is None:
        return ""
    return obj.display_name(lang)


def meeting_uid(meeting: Meeting, host: str) -> str:
    return f"meeting-{meeting.id}@{host}"


def meeting_summary(meeting: Meeting, lang: str) -> str:
    company = _name(meeting.company, lang)
    return _("Meeting with %(company)s", company=company) if company else _("Meeting")


def meeting_location(meeting: Meeting, lang: str) -> str:
    event = meeting.event
    parts = [event.venue or event.city or _name(event, lang)] if event is not None else []
    if meeting.location:
        parts.append(meeting.location)
    return ", ".join(p for p in parts if p)


def meeting_description(meeting: Meeting, lang: str) -> str:
    lines = []
    if meeting.event is not None:
        lines.append(_("Event: %(event)s (%(zone)s)", event=_name(meeting.event, lang), zone=meeting.event.timezone))
    if meeting.contacts:
        lines.append(_("With: %(contacts)s", contacts=", ".join(_name(c, lang) for c in meeting.contacts)))
    lines.append(_("Status: %(status)s", status=meeting.status.label))
    if meeting.next_step:
        lines.append(_("Next step: %(step)s", step=meeting.next_step))
    if meeting.notes:
        lines.extend(["", meeting.notes])
    return "\n".join(lines)


def meetings_calendar(meetings: Iterable[Meeting], *, lang: str, host: str, name: str | None = None,
                      now: dt.datetime | None = None) -> bytes:
    """The meetings as an iCalendar file (bytes, CRLF lines, UTF-8)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    stamp = (now or utcnow()).astimezone(dt.UTC).replace(microsecond=0)
    for m in meetings:
        vevent = VEvent()
        vevent.add("uid", meeting_uid(m, host))
        vevent.add("dtstamp", stamp)
        vevent.add("dtstart", m.starts_at.astimezone(dt.UTC))
        vevent.add("dtend", m.ends_at.astimezone(dt.UTC))
        vevent.add("summary", meeting_summary(m, lang))
        location = meeting_location(m, lang)
        if location:
            vevent.add("location", location)
        vevent.add("description", meeting_description(m, lang))
        vevent.add("status", STATUS[m.status])
        if m.updated_at is not None:
            vevent.add("last-modified", m.updated_at.astimezone(dt.UTC).replace(microsecond=0))
        cal.add_component(vevent)
    return cal.to_ical()
