"""Backups: ``flask --app wsgi crm backup PATH`` and ``crm restore PATH``.

SQLite: SQLite's online backup API copies a consistent snapshot while the app keeps
running, and restores the same way (page by page into the target file).
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (a full export of schema and
data, Alembic's version table included, so a restored database is at the right revision).
A backup restores into the same kind of database it came from.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from .extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A user-facing problem (message already translated)."""


def _sqlite_path(url: sa.engine.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError(_("An in-memory SQLite database cannot be backed up."))
    return url.database


def _libpq_url(url: sa.engine.URL) -> str:
    """postgresql+psycopg://… → postgresql://… with the password, for pg_dump/pg_restore."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(_("%(tool)s is not installed (Debian: postgresql-client).", tool=name))
    return path


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(_("%(tool)s failed: %(error)s", tool=os.path.basename(args[0]),
                            error=(result.stderr or result.stdout).strip()[-2000:]))


def _sqlite_copy(source_path: str, target_path: str) -> None:
    """Copy a whole SQLite database with its online backup API (a consistent snapshot)."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def backup(path: str) -> str:
    """Write a backup of the app's database to ``path``; returns the kind ("sqlite" or "postgresql")."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), path)
        return "sqlite"
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}",
          _libpq_url(url)])
    return "postgresql"


def is_empty() -> bool:
    """True when no table of the app holds a row (a fresh, migrated or blank database)."""
    with db.engine.connect() as conn:
        inspector = sa.inspect(conn)  # the same connection: a second one would wait for this one's lock
        for table in db.metadata.sorted_tables:
            if inspector.has_table(table.name) and conn.execute(sa.select(sa.literal(1)).select_from(table)
                                                                 .limit(1)).first():
                return False
    return True


def restore(path: str) -> str:
    """Replace the app's database with the backup at ``path``."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    url = db.engine.url
    kind = "sqlite" if head.startswith(SQLITE_MAGIC) else "postgresql" if head.startswith(PGDUMP_MAGIC) else None
    if kind is None:
        raise BackupError(_("%(path)s is not a backup made by this command.", path=path))
    if kind != url.get_backend_name():
        raise BackupError(_("This is a %(kind)s backup; the configured database is %(target)s.",
                            kind=kind, target=url.get_backend_name()))
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep the old database open
    if kind == "sqlite":
        _sqlite_copy(path, _sqlite_path(url))
    else:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              f"--dbname={_libpq_url(url)}", path])
    return kind


def _cli_locale() -> str:
    from .cli import _cli_locale as locale

    return locale()


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path):
    """Write a consistent backup of the database to PATH (the app may keep running)."""
    with force_locale(_cli_locale()):
        if os.path.exists(path):
            raise click.ClickException(_("%(path)s exists: choose a new file name.", path=path))
        try:
            kind = backup(path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_("Backup written to %(path)s (%(kind)s, %(size)s bytes).", path=path, kind=kind,
                     size=f"{os.path.getsize(path):,}"))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(path, yes):
    """Replace the database with the backup at PATH (stop the app servers first)."""
    with force_locale(_cli_locale()):
        if not yes and not is_empty():
            raise click.ClickException(_("The database already holds data. Run again with --yes to replace "
                                         "all of it with the backup."))
        try:
            kind = restore(path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_("Database restored from %(path)s (%(kind)s).", path=path, kind=kind))
