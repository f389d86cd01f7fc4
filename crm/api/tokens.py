"""Creating, checking and revoking API tokens (no request needed).

A token is ``crm_`` followed by 40 URL-safe random characters. Only its
SHA-256 hash is stored; a lookup hashes what the client sent and compares in
the database (the hash of a 240-bit secret needs no slow KDF).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from ..audit.models import record
from ..auth.models import User
from ..db_types import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from .models import ApiToken

TOKEN_PREFIX = "crm_"  # noqa: S105 - a public marker, not a secret
VISIBLE_CHARS = 12  # "crm_" + 8 random characters, shown in the token list
MAX_NAME = 100
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A rule a token change broke; ``args[0]`` is a lazy, translatable message."""


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token itself (shown once)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Give the token a name, e.g. the script that uses it."))
    if len(name) > MAX_NAME:
        raise TokenError(_l("At most %(max)d characters.", max=MAX_NAME))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(user_id=user.id, name=name, prefix=raw[:VISIBLE_CHARS], token_hash=hash_token(raw))
    db.session.add(token)
    db.session.flush()
    record("create", user_id=user.id, entity=token, changes={"name": name, "prefix": token.prefix})
    return token, raw


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(token: ApiToken, user: User) -> bool:
    """Revoke; False when it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    record("revoke", user_id=user.id, entity=token, changes={"prefix": token.prefix})
    db.session.flush()
    return True


def authenticate_token(raw: str | None) -> User | None:
    """The active user a valid, unrevoked token belongs to; None otherwise.
    Checked on every request, so revoking a token or deactivating a user takes effect at once."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    row = db.session.execute(
        sa.select(ApiToken, User).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(raw), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    token, user = row
    if not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
    return user
