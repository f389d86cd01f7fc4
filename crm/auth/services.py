"""Accounts: creating users and checking credentials (no request needed)."""

from __future__ import annotations

import functools
import os

import sqlalchemy as sa

from ..db_types import utcnow
from ..enums import Role
from ..extensions import db
from .models import User, new_session_token
from .passwords import hash_password, needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


class AccountError(ValueError):
    """A user-facing problem with account data; ``message`` is a lazy string."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, password: str, role: Role | str = Role.REP, **fields) -> User:
    from ..i18n import lazy_gettext as _l

    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError(_l("Enter a valid email address."))
    if find_user(email) is not None:
        raise AccountError(_l("A user with this email already exists."))
    check_password_rules(password)
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=Role(role), **fields)
    db.session.add(user)
    return user


def check_password_rules(password: str) -> None:
    """Length 8–128 and not a commonly used password (ASVS 6.2: no composition rules)."""
    from ..i18n import lazy_gettext as _l

    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_l("The password must have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))
    if password.lower() in common_passwords():
        raise AccountError(_l("This password is one of the most commonly used ones: choose another."))


@functools.cache
def common_passwords() -> frozenset[str]:
    path = os.path.join(os.path.dirname(__file__), "common_passwords.txt")
    with open(path, encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip() and not line.startswith("#"))


# Verified against when the email is unknown, so both failures take as long.
_DUMMY_HASH: dict[str, str] = {}


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (never says which part was wrong)."""
    user = find_user(email)
    if user is None:
        key = "dummy"
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hash_password("not-a-real-password")
        verify_password(_DUMMY_HASH[key], password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session, remember-me cookie and API token the user has (on logout, and on a
    password, role or status change)."""
    from ..api.models import ApiToken

    user.session_token = new_session_token()
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    end_all_sessions(user)
