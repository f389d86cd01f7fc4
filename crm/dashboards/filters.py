"""The dashboard's filters, read from and written back to the URL (a GET form).

Every filter has a safe default, so a bad or hand-edited URL shows the default
instead of an error: period (the current year), owner (managers only), deal
type, event, reporting currency (the user's), rate date (today) and the number
of days after which an open deal counts as stuck (``CRM_STUCK_DAYS``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..enums import DealType
from ..listing import date_arg
from ..rates.services import is_currency

ALL_TIME = "all"
MAX_STUCK_DAYS = 3650


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def presets(today: dt.date) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """Named periods offered as links: key -> (start, end), inclusive; (None, None) is all time."""
    q = quarter_start(today)
    q_end = dt.date(q.year + (q.month + 3 > 12), (q.month + 2) % 12 + 1, 1) - dt.timedelta(days=1)
    return {
        "quarter": (q, q_end),
        "year": (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
        "last_year": (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        ALL_TIME: (None, None),
    }


def _int(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    start: dt.date | None  # period, inclusive; None = open-ended
    end: dt.date | None
    owner_id: int | None
    deal_type: DealType | None
    event_id: int | None
    currency: str
    rate_on: dt.date
    stuck_days: int
    today: dt.date

    @property
    def all_time(self) -> bool:
        return self.start is None and self.end is None

    def args(self, **changes) -> dict[str, str]:
        """The URL arguments that reproduce these filters (with ``changes`` applied; None drops one)."""
        args = {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "period": ALL_TIME if self.all_time else None,
            "owner": str(self.owner_id) if self.owner_id else None,
            "type": self.deal_type.value if self.deal_type else None,
            "event": str(self.event_id) if self.event_id else None,
            "currency": self.currency,
            "rates": self.rate_on.isoformat() if self.rate_on != self.today else None,
            "stuck": str(self.stuck_days),
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v is not None}


def parse_filters(args, user, *, today: dt.date, default_stuck_days: int = 30) -> Filters:
    """Filters from request ``args``; reps cannot pick another owner (they only ever see their own)."""
    start, end = date_arg(args.get("from")), date_arg(args.get("to"))
    if args.get("period") == ALL_TIME and not (start or end):
        start = end = None
    elif args.get("period") in presets(today) and not (start or end):
        start, end = presets(today)[args["period"]]
    elif not (start or end):
        start, end = presets(today)["year"]
    if start and end and start > end:
        start, end = end, start
    owner_id = _int(args.get("owner")) if user.is_manager else None
    try:
        deal_type = DealType(args.get("type")) if args.get("type") else None
    except ValueError:
        deal_type = None
    currency = (args.get("currency") or "").strip().upper()
    if not is_currency(currency):
        currency = user.reporting_currency
    rate_on = date_arg(args.get("rates")) or today
    stuck = _int(args.get("stuck"))
    stuck_days = stuck if stuck is not None and 0 <= stuck <= MAX_STUCK_DAYS else default_stuck_days
    return Filters(start=start, end=end, owner_id=owner_id, deal_type=deal_type, event_id=_int(args.get("event")),
                   currency=currency, rate_on=rate_on, stuck_days=stuck_days, today=today)
