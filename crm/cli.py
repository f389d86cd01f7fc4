"""Command-line tools: ``flask --app wsgi crm ...`` and ``flask --app wsgi translate ...``."""

from __future__ import annotations

import os
import subprocess
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from .enums import Role
from .extensions import db

crm_cli = AppGroup("crm", help="CRM administration: users, demo data.")
translate_cli = AppGroup("translate", help="Extract, update and compile the translation catalogues.")


def _cli_locale() -> str:
    """CLI messages follow the shell's LANG (zh_CN.UTF-8 → Chinese)."""
    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh_Hans_CN" if lang.lower().startswith("zh") else "en"


@crm_cli.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown in the app.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.REP.value, show_default=True)
@click.option("--password", help="Prompted for (hidden) when omitted.")
@with_appcontext
def create_user_command(email, name, role, password):
    """Create a user who can sign in with EMAIL."""
    from .auth.services import AccountError, create_user

    with force_locale(_cli_locale()):
        if password is None:
            password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
        try:
            user = create_user(email, name, password, role)
        except AccountError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.args[0])) from exc
        db.session.commit()
        click.echo(_("Created %(role)s %(email)s.", role=user.role.label, email=user.email))


@crm_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow seeding under the production configuration.")
@click.option("--scale", type=click.IntRange(min=0), default=0, metavar="N",
              help="Also generate a large deterministic dataset: N deals, N/5 companies, N/2 contacts, 2N meetings.")
@with_appcontext
def seed_demo_command(force, scale):
    """Load the MIP China 2017 demo story (idempotent: a second run changes nothing)."""
    from .demo import seed_demo

    with force_locale(_cli_locale()):
        if current_app.config["CRM_ENV"] == "production" and not force:
            raise click.ClickException(
                _("Refusing to load demo accounts into a production database. Use --force if you really mean it.")
            )
        created = seed_demo()
        db.session.commit()
        if created:
            click.echo(_("Demo data loaded: %(n)d records created.", n=created))
        else:
            click.echo(_("Demo data already present: nothing to do."))
        if scale:
            from .scale import ScaleError, seed_scale

            try:
                counts = seed_scale(scale, progress=click.echo)
            except ScaleError as exc:
                db.session.rollback()
                raise click.ClickException(str(exc.args[0])) from exc
            db.session.commit()
            if counts:
                click.echo(_("Large dataset generated: %(counts)s.",
                              counts=", ".join(f"{name} {n}" for name, n in counts.items())))
            else:
                click.echo(_("A dataset of scale %(n)d is already present: nothing to do.", n=scale))


@crm_cli.command("reindex-search")
@with_appcontext
def reindex_search_command():
    """Rebuild the search index (names, pinyin, initials, e-mail, WeChat ID) of every record."""
    from .search_index import reindex_all

    with force_locale(_cli_locale()):
        counts = reindex_all()
        db.session.commit()
        click.echo(_("Search index rebuilt: %(n)d terms.", n=sum(counts.values())))


TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")
POT = os.path.join(TRANSLATIONS, "messages.pot")


def _pybabel(*args: str) -> None:
    cmd = [sys.executable, "-m", "babel.messages.frontend", *args]
    if subprocess.call(cmd) != 0:
        raise click.ClickException("pybabel " + " ".join(args[:1]) + " failed")


@translate_cli.command("extract")
def extract():
    """Extract marked strings into messages.pot (lazy _l strings included)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    _pybabel(
        "extract", "-F", os.path.join(root, "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
        "--no-location", "--sort-output", "-o", POT, root,
    )


@translate_cli.command("update")
def update():
    """Extract, then merge new strings into every catalogue."""
    extract.callback()
    _pybabel("update", "-i", POT, "-d", TRANSLATIONS, "--no-fuzzy-matching", "--ignore-obsolete")


@translate_cli.command("compile")
def compile_catalogues():
    """Compile the .po catalogues into .mo files the app loads."""
    _pybabel("compile", "-d", TRANSLATIONS)


from .rates.cli import load_rates_command  # noqa: E402  (its own module; registered on the crm group)

crm_cli.add_command(load_rates_command)
from .api.cli import create_token_command  # noqa: E402

crm_cli.add_command(create_token_command)
from .backup import backup_command, restore_command  # noqa: E402

crm_cli.add_command(backup_command)
crm_cli.add_command(restore_command)
