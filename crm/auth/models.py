from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, str_enum
from ..enums import Role
from ..extensions import db
from ..model_mixins import TimestampMixin


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("length(reporting_currency) = 3", name="reporting_currency_iso"),
        sa.CheckConstraint("locale IS NULL OR locale IN ('en', 'zh')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.REP)
    # "en" or "zh"; NULL means "follow the browser".
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    reporting_currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session identity: rotating it ends every other session and
    # remember-me cookie of this user at once (logout everywhere, password change).
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_manager(self) -> bool:
        """Managers and admins see and edit everyone's records."""
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
