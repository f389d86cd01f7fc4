"""Configuration from the environment, and a factory without side effects."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from crm import create_app
from crm.config import ConfigError
from crm.extensions import db

ENV_VARS = ("CRM_ENV", "SECRET_KEY", "DATABASE_URL", "CRM_SECURE_COOKIES")
UNREACHABLE_PG = "postgresql://nobody@127.0.0.1:1/x"


@pytest.fixture
def clean_env(monkeypatch):
    """No configuration from the shell running the tests."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_create_app_does_not_touch_a_missing_sqlite_directory(clean_env, tmp_path):
    missing = tmp_path / "does-not-exist"
    clean_env.setenv("DATABASE_URL", f"sqlite:///{missing}/crm.sqlite3")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{missing}/crm.sqlite3"
    assert not missing.exists()  # no connection was made, no file or folder created


def test_create_app_does_not_connect_to_an_unreachable_postgres(clean_env):
    clean_env.setenv("DATABASE_URL", UNREACHABLE_PG)
    app = create_app()  # would raise OperationalError if it connected
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        with pytest.raises(sa.exc.OperationalError):  # proves the URL really is unreachable
            db.engine.connect()
        db.engine.dispose()


def test_production_without_secret_key_refuses_to_start(clean_env):
    clean_env.setenv("CRM_ENV", "production")
    clean_env.setenv("DATABASE_URL", UNREACHABLE_PG)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_unknown_environment_is_refused(clean_env):
    clean_env.setenv("CRM_ENV", "staging")
    with pytest.raises(ConfigError):
        create_app()


def test_production_with_secret_key_uses_secure_cookies(clean_env):
    clean_env.setenv("CRM_ENV", "production")
    clean_env.setenv("SECRET_KEY", "a-long-random-production-secret")
    clean_env.setenv("DATABASE_URL", UNREACHABLE_PG)
    app = create_app()
    assert app.config["SECRET_KEY"] == "a-long-random-production-secret"
    assert not app.config["TESTING"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["PASSWORD_ARGON2"]["memory_cost"] >= 65536  # not the cheap test hashes


def test_development_has_a_throwaway_key_and_plain_cookies(clean_env):
    app = create_app()
    assert app.config["CRM_ENV"] == "development"
    assert len(app.config["SECRET_KEY"]) >= 32
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://crm:pw@db.example:5432/crm", "postgresql+psycopg://crm:pw@db.example:5432/crm"),
        ("postgresql://crm:pw@db.example/crm", "postgresql+psycopg://crm:pw@db.example/crm"),
        ("postgresql+psycopg://crm@db.example/crm", "postgresql+psycopg://crm@db.example/crm"),
    ],
)
def test_database_url_is_honoured_and_uses_psycopg3(clean_env, url, expected):
    clean_env.setenv("DATABASE_URL", url)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected
    with app.app_context():
        assert db.engine.dialect.driver == "psycopg"
        db.engine.dispose()


def test_default_database_is_a_sqlite_file_in_the_instance_folder(clean_env):
    app = create_app()
    expected = os.path.join(app.instance_path, "crm.sqlite3")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + expected
    with app.app_context():
        assert db.engine.url.database == expected


def test_overrides_win_over_the_environment(clean_env):
    clean_env.setenv("DATABASE_URL", UNREACHABLE_PG)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///:memory:"})
    assert app.config["CRM_ENV"] == "testing"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"


@pytest.fixture
def sqlite_session(ctx):
    with ctx() as session:
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("SQLite connection settings (the suite runs on PostgreSQL)")
        yield session


def _pragma(session, name: str):
    return session.execute(sa.text(f"PRAGMA {name}")).scalar()


def test_sqlite_enforces_foreign_keys(sqlite_session):
    assert _pragma(sqlite_session, "foreign_keys") == 1


def test_sqlite_uses_write_ahead_logging(sqlite_session):
    assert _pragma(sqlite_session, "journal_mode") == "wal"


def test_sqlite_waits_for_locks(sqlite_session):
    assert _pragma(sqlite_session, "busy_timeout") >= 5000
