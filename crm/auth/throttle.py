"""Login throttling per account and per network address, shared by every worker and app
server through the database (ASVS 6.3).

Each failed sign-in is a row. Within a sliding window (``CRM_LOGIN_WINDOW_MINUTES``,
default 15), more than ``CRM_LOGIN_MAX_PER_ACCOUNT`` failures for one email, or
``CRM_LOGIN_MAX_PER_ADDRESS`` from one address, refuse further attempts for it until
the oldest failure leaves the window. An attacker can therefore hold a real user out
for one window at most while they keep failing; a success clears the account's count.
Unknown emails are counted like real ones, so throttling reveals nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class LoginFailure(db.Model):
    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_account_at", "account", "at"),
        sa.Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the normalised email: the table needs equality, not the address itself.
    account: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(45))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def _account(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["CRM_LOGIN_WINDOW_MINUTES"])


def retry_after(email: str, address: str | None, now: dt.datetime | None = None) -> int:
    """Seconds until this account and address may try again; 0 when they may now (two COUNTs)."""
    now = now or utcnow()
    since = now - _window()
    waits = []
    checks = [(LoginFailure.account == _account(email), current_app.config["CRM_LOGIN_MAX_PER_ACCOUNT"])]
    if address:
        checks.append((LoginFailure.address == address, current_app.config["CRM_LOGIN_MAX_PER_ADDRESS"]))
    for condition, limit in checks:
        # The limit-th most recent failure: once it leaves the window, one more attempt is allowed.
        nth = db.session.scalar(
            sa.select(LoginFailure.at).where(condition, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc()).offset(limit - 1).limit(1)
        )
        if nth is not None:
            waits.append(int((nth + _window() - now).total_seconds()) + 1)
    return max(waits, default=0)


def record_failure(email: str, address: str | None) -> None:
    db.session.add(LoginFailure(account=_account(email), address=address))
    # Keep the table small: failures older than a day matter to nobody (the audit log keeps them).
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < utcnow() - dt.timedelta(days=1)))


def clear_account(email: str) -> None:
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.account == _account(email)))
