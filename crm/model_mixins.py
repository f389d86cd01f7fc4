"""Columns many tables share."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db_types import UTCDateTime, utcnow


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ArchivableMixin:
    """Records are archived (restorable), not deleted."""

    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class BilingualNameMixin:
    """English and Chinese names; at least one is required (CHECK in each table)."""

    name_en: Mapped[str | None]
    name_zh: Mapped[str | None]

    def display_name(self, lang: str = "en") -> str:
        """The name in ``lang`` ("en" or "zh"), falling back to the other one."""
        first, second = (self.name_zh, self.name_en) if lang.startswith("zh") else (self.name_en, self.name_zh)
        return first or second or ""

    def other_name(self, lang: str = "en") -> str:
        """The name in the other language, if it differs from ``display_name``."""
        other = self.name_en if lang.startswith("zh") else self.name_zh
        return other if other and other != self.display_name(lang) else ""


def name_order(model, lang: str) -> tuple:
    """ORDER BY a bilingual name in the active language, falling back to the other one
    (matches the name-order expression indexes on companies and contacts)."""
    first, second = (model.name_zh, model.name_en) if lang == "zh" else (model.name_en, model.name_zh)
    return (sa.func.coalesce(first, second), model.id)
