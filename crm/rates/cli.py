"""``flask --app wsgi crm load-rates FILE.csv``: load exchange rates from a CSV file."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db


@click.command("load-rates")
@click.argument("file", type=click.File("rb"))
@click.option("--base", metavar="CCY", help="Base for rows without a base column (default: CRM_BASE_CURRENCY).")
@click.option("--source", metavar="TEXT", help="Where the rates come from (stored with each rate).")
@with_appcontext
def load_rates_command(file, base, source):
    """Load exchange rates from FILE, a UTF-8 CSV with a header row.

    \b
    Columns: date,currency,rate[,base]
      date      ISO date, e.g. 2017-05-24
      currency  ISO 4217 code, e.g. CNY
      rate      units of currency per 1 base, e.g. 6.8852 (> 0, at most 6 decimals)
      base      ISO 4217 code; defaults to --base or CRM_BASE_CURRENCY (USD)

    A row for an existing (base, currency, date) replaces its rate. Every row is
    checked first: if any row is wrong, the errors are listed (in the language
    of LANG) and nothing is written.
    """
    from ..cli import _cli_locale
    from .services import RatesFileError, load_rates, parse_rates_csv

    with force_locale(_cli_locale()):
        try:
            text = file.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise click.ClickException(_("The file is not UTF-8 text.")) from exc
        try:
            rows = parse_rates_csv(text, default_base=base.upper() if base else None)
            created, updated = load_rates(rows, source=source)
        except RatesFileError as exc:
            db.session.rollback()
            for message in exc.errors:
                click.echo(message, err=True)
            raise click.ClickException(_("No rates were loaded.")) from exc
        db.session.commit()
        click.echo(_("Rates loaded: %(created)d new, %(updated)d updated.", created=created, updated=updated))
