"""Rights overlap logic, pure: no database, no request.

A right is title × territory set × media set × period × exclusivity. Two rights
overlap when they are for the same title and their expanded territories, their
media and their periods (inclusive dates) all intersect. A request conflicts
with something already held when they overlap and either side is exclusive:
an exclusive request collides with any overlapping grant, a non-exclusive one
only with an exclusive grant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..territories import expand_territories

#: Stands for "no start date" / "no end date" (open-ended terms hold everything).
OPEN_START = dt.date.min
OPEN_END = dt.date.max


@dataclass(frozen=True)
class Rights:
    """One title's rights: territory codes (groups allowed) minus excluded codes,
    media values, an inclusive period and exclusivity."""

    title_id: int
    included: frozenset[str]
    excluded: frozenset[str] = frozenset()
    media: frozenset[str] = frozenset()
    start: dt.date = OPEN_START
    end: dt.date = OPEN_END
    exclusive: bool = True

    @classmethod
    def of(cls, title_id: int, territories: Iterable, media: Iterable, start: dt.date | None = None,
           end: dt.date | None = None, exclusive: bool = True) -> Rights:
        """Build from territory entries, each a code or a ``(code, excluded)`` pair,
        and media given as ``Medium`` members or their values."""
        included, excluded = split_territories(territories)
        return cls(
            title_id=title_id, included=included, excluded=excluded,
            media=frozenset(getattr(m, "value", m) for m in media),
            start=start or OPEN_START, end=end or OPEN_END, exclusive=exclusive,
        )

    @cached_property
    def countries(self) -> frozenset[str]:
        return expand_territories(self.included, self.excluded)


def split_territories(territories: Iterable) -> tuple[frozenset[str], frozenset[str]]:
    """``(included, excluded)`` codes from codes or ``(code, excluded)`` pairs."""
    included: set[str] = set()
    excluded: set[str] = set()
    for entry in territories:
        code, is_excluded = (entry, False) if isinstance(entry, str) else entry
        (excluded if is_excluded else included).add(code)
    return frozenset(included), frozenset(excluded)


@dataclass(frozen=True)
class Overlap:
    """Where two rights meet: countries, media and the shared dates."""

    countries: frozenset[str]
    media: frozenset[str]
    start: dt.date
    end: dt.date


def overlap(a: Rights, b: Rights) -> Overlap | None:
    """What ``a`` and ``b`` share, or None when they do not overlap."""
    if a.title_id != b.title_id:
        return None
    start, end = max(a.start, b.start), min(a.end, b.end)
    if start > end:
        return None
    media = a.media & b.media
    if not media:
        return None
    countries = a.countries & b.countries
    if not countries:
        return None
    return Overlap(countries=countries, media=media, start=start, end=end)


def overlaps(a: Rights, b: Rights) -> bool:
    return overlap(a, b) is not None


def conflicts(request: Rights, held: Rights) -> bool:
    """True when ``request`` cannot be granted because of ``held``."""
    return (request.exclusive or held.exclusive) and overlaps(request, held)


HARD = "hard"  # a signed grant
SOFT = "soft"  # another deal in a late stage


@dataclass(frozen=True)
class Conflict:
    """A request colliding with a grant (hard) or another late-stage deal (soft).

    ``holder_*`` describe what holds the rights; names are kept in both
    languages so the message renders in whichever one the reader uses.
    """

    kind: str
    title_id: int
    overlap: Overlap
    holder_exclusive: bool
    request_exclusive: bool
    grant_id: int | None = None
    deal_id: int | None = None
    title_names: tuple[str | None, str | None] = (None, None)
    deal_names: tuple[str | None, str | None] = (None, None)
    stage_names: tuple[str | None, str | None] = (None, None)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_hard(self) -> bool:
        return self.kind == HARD


def find_conflicts(request: Rights, held: Iterable[tuple[Rights, dict]], kind: str) -> list[Conflict]:
    """Conflicts of ``request`` with each ``(rights, details)`` held; ``details``
    are keyword arguments of ``Conflict`` (grant_id, deal_id, names...)."""
    found = []
    for rights, details in held:
        if not (request.exclusive or rights.exclusive):
            continue
        shared = overlap(request, rights)
        if shared is not None:
            found.append(Conflict(
                kind=kind, title_id=request.title_id, overlap=shared, holder_exclusive=rights.exclusive,
                request_exclusive=request.exclusive, **details,
            ))
    return found
