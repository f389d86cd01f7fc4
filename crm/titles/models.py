from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..companies.models import HAS_A_NAME, Company
from ..db_types import str_enum
from ..enums import Genre, TitleStatus
from ..extensions import db
from ..model_mixins import ArchivableMixin, BilingualNameMixin, TimestampMixin


class Title(BilingualNameMixin, ArchivableMixin, TimestampMixin, db.Model):
    """A programme or project (项目/节目): the content deals are about."""

    __tablename__ = "titles"
    __table_args__ = (
        sa.CheckConstraint(HAS_A_NAME, name="has_name"),
        sa.CheckConstraint("episodes IS NULL OR episodes > 0", name="episodes_positive"),
        sa.CheckConstraint("episode_minutes IS NULL OR episode_minutes > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    genre: Mapped[Genre] = mapped_column(str_enum(Genre, "genre"))
    episodes: Mapped[int | None]
    episode_minutes: Mapped[int | None]
    status: Mapped[TitleStatus] = mapped_column(str_enum(TitleStatus, "status"), default=TitleStatus.COMPLETED)
    year: Mapped[int | None]
    rights_holder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    synopsis_en: Mapped[str | None] = mapped_column(sa.Text)
    synopsis_zh: Mapped[str | None] = mapped_column(sa.Text)
    search_key: Mapped[str] = mapped_column(sa.Text, default="")

    rights_holder: Mapped[Company | None] = relationship()

    @property
    def format_label(self) -> str:
        """Episodes × minutes as the trade writes it, e.g. 52 × 11'."""
        if self.episodes and self.episode_minutes:
            return f"{self.episodes} × {self.episode_minutes}'"
        if self.episode_minutes:
            return f"{self.episode_minutes}'"
        return ""
