"""``flask --app wsgi crm create-token EMAIL``: a personal API token, printed once."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A name to recognise the token by.")
@with_appcontext
def create_token_command(email, name):
    """Create an API token for the user with EMAIL and print it (it is shown only this once)."""
    from ..auth.services import find_user
    from ..cli import _cli_locale
    from ..extensions import db
    from .tokens import TokenError, create_token

    with force_locale(_cli_locale()):
        user = find_user(email)
        if user is None or not user.active:
            raise click.ClickException(_("No active user with the email %(email)s.", email=email))
        try:
            token, raw = create_token(user, name)
        except TokenError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.args[0])) from exc
        db.session.commit()
        click.echo(_("API token %(name)s for %(email)s (shown only once; store it safely):",
                     name=token.name, email=user.email), err=True)
        click.echo(raw)
