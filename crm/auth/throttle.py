"""Login throttling per account and per network address, shared by every worker and app
server (ASVS 6.3): in Redis when ``CRM_REDIS_URL`` is set, in the database otherwise.

Within a sliding window (``CRM_LOGIN_WINDOW_MINUTES``, default 15), once
``CRM_LOGIN_MAX_PER_ACCOUNT`` sign-ins for one email, or ``CRM_LOGIN_MAX_PER_ADDRESS``
from one address, have failed, further attempts for it are refused until the oldest of
those failures leaves the window. An attacker can therefore hold a real user out for one
window at most while they keep failing; a success clears the account's count. Unknown
emails are counted like real ones, so throttling reveals nothing.

The database keeps each failure as a row. Redis keeps them with the moving-window
limiter of ``limits`` (the library under Flask-Limiter), which spares the database a
write per failed sign-in under a password-spraying attack. If Redis cannot be reached (or
does not answer within half a second), sign-in falls back to the database (logged), so an
outage of the cache neither locks everyone out nor lifts the throttle; the failures the
database counted meanwhile still count once Redis is back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import limits
import sqlalchemy as sa
from flask import current_app
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError
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


def _redis() -> MovingWindowRateLimiter | None:
    """The Redis limiter when CRM_REDIS_URL is set (one per app, connections pooled), else None."""
    url = current_app.config.get("CRM_REDIS_URL")
    if not url:
        return None
    key = (url, current_app.config["CRM_REDIS_PREFIX"])
    cached = current_app.extensions.get("crm_login_throttle")
    if cached is None or cached[0] != key:
        # Short timeouts: a Redis that stops answering must not hold sign-in up (the database takes over).
        storage = storage_from_string(url, key_prefix=key[1] + ":login", socket_connect_timeout=0.5,
                                      socket_timeout=0.5)
        cached = (key, MovingWindowRateLimiter(storage))
        current_app.extensions["crm_login_throttle"] = cached
    return cached[1]


def _limits(email: str, address: str | None) -> list[tuple[limits.RateLimitItem, tuple[str, ...]]]:
    """(limit, identifiers) for the account and, when known, the address."""
    seconds = max(1, round(current_app.config["CRM_LOGIN_WINDOW_MINUTES"] * 60))
    out = [(limits.RateLimitItemPerSecond(current_app.config["CRM_LOGIN_MAX_PER_ACCOUNT"], seconds),
            ("account", _account(email)))]
    if address:
        out.append((limits.RateLimitItemPerSecond(current_app.config["CRM_LOGIN_MAX_PER_ADDRESS"], seconds),
                    ("address", address)))
    return out


def _unreachable(exc: Exception) -> None:
    current_app.logger.warning("Redis unreachable for login throttling (%s); using the database", exc)


def retry_after(email: str, address: str | None, now: dt.datetime | None = None) -> int:
    """Seconds until this account and address may try again; 0 when they may now."""
    waits = [_database_retry_after(email, address, now)]  # failures recorded while Redis was away count too
    limiter = _redis()
    if limiter is not None:
        try:
            waits += [int(limiter.get_window_stats(item, *ids).reset_time - time.time()) + 1
                      for item, ids in _limits(email, address) if not limiter.test(item, *ids)]
        except RedisError as exc:
            _unreachable(exc)
    return max(waits)


def _database_retry_after(email: str, address: str | None, now: dt.datetime | None = None) -> int:
    """The database's answer (two small indexed queries)."""
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
    limiter = _redis()
    if limiter is not None:
        try:
            for item, ids in _limits(email, address):
                limiter.hit(item, *ids)
            return
        except RedisError as exc:
            _unreachable(exc)
    db.session.add(LoginFailure(account=_account(email), address=address))
    # Keep the table small: failures older than a day matter to nobody (the audit log keeps them).
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < utcnow() - dt.timedelta(days=1)))


def clear_account(email: str) -> None:
    limiter = _redis()
    if limiter is not None:
        try:
            item, ids = _limits(email, None)[0]
            limiter.clear(item, *ids)
        except RedisError as exc:
            _unreachable(exc)
    # Failures recorded while Redis was unreachable (or before it was configured) count too.
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.account == _account(email)))
