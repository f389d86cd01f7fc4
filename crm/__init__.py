"""A bilingual deal CRM for international TV, animation and documentary
co-production and distribution."""

from __future__ import annotations

import os

from flask import Flask

from .config import default_database_url, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app. No database access or network here: safe to import anywhere."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, config))
    if app.config["SQLALCHEMY_DATABASE_URI"] == default_database_url(app.instance_path):
        # The default SQLite file lives in the instance folder, which a fresh clone lacks.
        os.makedirs(app.instance_path, exist_ok=True)
    _configure_extensions(app)
    _configure_blueprints(app)
    _configure_templates(app)
    _configure_errors(app)
    _configure_security(app)
    _configure_cli(app)
    _check_pdf_engine(app)
    return app


def _configure_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (register every table on the metadata)
    from .db_events import register_sqlite_pragmas
    from .extensions import babel, csrf, db, login_manager, migrate
    from .i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        register_sqlite_pragmas(db.engine, app.config["CRM_SQLITE_CACHE_MB"])  # no connection is made
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from .i18n import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")


def _migrations_dir() -> str:
    return os.path.join(os.path.dirname(__file__), "migrations")


def _configure_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .companies.views import bp as companies_bp
    from .contacts.views import bp as contacts_bp
    from .dashboards import bp as dashboards_bp
    from .deals import bp as deals_bp
    from .events.views import bp as events_bp
    from .health import bp as health_bp
    from .imports.views import bp as imports_bp
    from .leads.views import bp as leads_bp
    from .main import bp as main_bp
    from .meetings.views import bp as meetings_bp
    from .pickers import bp as pickers_bp
    from .rights import bp as rights_bp
    from .search_views import bp as search_bp
    from .tasks.views import bp as tasks_bp
    from .termsheets import bp as termsheets_bp
    from .titles.views import bp as titles_bp

    # Address-book and activity packages expose their blueprint from .views (see their __init__).
    for bp in (auth_bp, main_bp, admin_bp, deals_bp, leads_bp, companies_bp, contacts_bp, meetings_bp, events_bp,
               titles_bp, tasks_bp, search_bp, imports_bp, rights_bp, termsheets_bp, health_bp, pickers_bp):
        app.register_blueprint(bp)
    app.register_blueprint(dashboards_bp)
    from . import api  # the JSON API: CSRF-exempt blueprints (bearer tokens only, no cookie session)

    api.init_app(app)


def _configure_templates(app: Flask) -> None:
    from flask_babel import get_timezone

    from . import i18n
    from .navigation import nav_items

    i18n.register(app)
    from .tasks.queries import open_task_count

    app.jinja_env.globals.update(
        nav_items=nav_items,
        current_timezone_name=lambda: str(get_timezone()),
        has_endpoint=lambda endpoint: endpoint in app.view_functions,
        open_task_count=open_task_count,
    )


def _check_pdf_engine(app: Flask) -> None:
    from .health import log_pdf_engine_problems

    log_pdf_engine_problems(app)


def _configure_errors(app: Flask) -> None:
    from .errors import register

    register(app)


def _configure_security(app: Flask) -> None:
    from .auth.timeouts import register as register_session_timeouts
    from .security import register as register_security_headers

    register_security_headers(app)
    register_session_timeouts(app)


def _configure_cli(app: Flask) -> None:
    from .cli import crm_cli, translate_cli

    app.cli.add_command(crm_cli)
    app.cli.add_command(translate_cli)
