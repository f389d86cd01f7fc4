"""Configuration read from the environment.

Documented in README.md ("Configuration"). ``CRM_ENV`` picks the profile:
``development`` (default for ``flask run``), ``testing`` or ``production``.
"""

from __future__ import annotations

import os
import secrets


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the app can run with."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "crm.sqlite3")


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the config mapping from the environment, then ``overrides``."""
    overrides = dict(overrides or {})
    env = overrides.get("CRM_ENV") or os.environ.get("CRM_ENV", "development")
    if overrides.get("TESTING"):
        env = "testing"
    if env not in {"development", "testing", "production"}:
        raise ConfigError(f"CRM_ENV must be development, testing or production, not {env!r}")

    default_db = default_database_url(instance_path)
    cfg: dict = {
        "CRM_ENV": env,
        "TESTING": env == "testing",
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        # Languages the UI offers; the catalogue folder for Chinese is zh_Hans_CN.
        "CRM_LANGUAGES": ("en", "zh_Hans_CN"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("CRM_DEFAULT_TIMEZONE", "Asia/Shanghai"),
        "CRM_BASE_CURRENCY": os.environ.get("CRM_BASE_CURRENCY", "USD"),
        # Dashboard: an open deal is "stuck" after this many days in its stage (?stuck=N overrides).
        "CRM_STUCK_DAYS": int(os.environ.get("CRM_STUCK_DAYS", "30")),
        "CRM_SQLITE_CACHE_MB": int(os.environ.get("CRM_SQLITE_CACHE_MB", "64")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("CRM_SECURE_COOKIES"), env == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(os.environ.get("CRM_SECURE_COOKIES"), env == "production"),
        "REMEMBER_COOKIE_DURATION": int(os.environ.get("CRM_REMEMBER_DAYS", "14")) * 86400,
        # Browser sessions end after this long without a request, and this long after sign-in.
        "CRM_IDLE_MINUTES": int(os.environ.get("CRM_IDLE_MINUTES", "120")),
        "CRM_SESSION_HOURS": int(os.environ.get("CRM_SESSION_HOURS", "12")),
        # Login throttling (crm/auth/throttle.py): failures allowed per sliding window.
        "CRM_LOGIN_WINDOW_MINUTES": int(os.environ.get("CRM_LOGIN_WINDOW_MINUTES", "15")),
        "CRM_LOGIN_MAX_PER_ACCOUNT": int(os.environ.get("CRM_LOGIN_MAX_PER_ACCOUNT", "10")),
        "CRM_LOGIN_MAX_PER_ADDRESS": int(os.environ.get("CRM_LOGIN_MAX_PER_ADDRESS", "50")),
        # Redis shared by every app server (login throttling); the database is used without it.
        "CRM_REDIS_URL": os.environ.get("CRM_REDIS_URL") or None,
        "CRM_REDIS_PREFIX": os.environ.get("CRM_REDIS_PREFIX", "crm"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("CRM_MAX_UPLOAD_MB", "16")) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        # argon2id parameters (RFC 9106 "second recommended": 64 MiB, t=3, p=4).
        "PASSWORD_ARGON2": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Our own party on term sheets (the other party comes from the deal).
        "TERMSHEET_OWN_NAME_EN": os.environ.get("CRM_OWN_LEGAL_NAME_EN"),
        "TERMSHEET_OWN_NAME_ZH": os.environ.get("CRM_OWN_LEGAL_NAME_ZH"),
        "TERMSHEET_OWN_ADDRESS_EN": os.environ.get("CRM_OWN_ADDRESS_EN"),
        "TERMSHEET_OWN_ADDRESS_ZH": os.environ.get("CRM_OWN_ADDRESS_ZH"),
    }
    if env == "testing":
        cfg["WTF_CSRF_ENABLED"] = True
        # Cheap hashes keep the suite fast; production never uses these.
        cfg["PASSWORD_ARGON2"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

    cfg.update(overrides)
    if cfg["SESSION_COOKIE_SECURE"]:
        # __Host- cookies are only accepted over HTTPS, for the whole site, from this exact host.
        cfg.setdefault("SESSION_COOKIE_NAME", "__Host-session")
        cfg.setdefault("REMEMBER_COOKIE_NAME", "__Host-remember_token")

    if not cfg.get("SECRET_KEY"):
        if env == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
                "random string (e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        # Development and tests: a throwaway key (sessions end on restart).
        cfg["SECRET_KEY"] = secrets.token_hex(32)

    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # Heroku-style URLs
        uri = "postgresql://" + uri[len("postgres://"):]
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    cfg["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        # Each connection waits for a lock instead of failing at once.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 15},
            **cfg["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    else:
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **cfg["SQLALCHEMY_ENGINE_OPTIONS"]}
    return cfg
