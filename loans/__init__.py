"""Entrepreneurship guaranteed-loan case management (创业担保贷款).

``create_app`` reads as the table of contents of the application.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import DEFAULTS, ConfigError, check_required
from .garbage import collector_paused
from .unit_of_work import UnitOfWorkFlask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    with collector_paused():  # objects made to be kept: no collector passes over them (loans.garbage)
        app = UnitOfWorkFlask(
            __name__,
            instance_path=instance_path(),
            instance_relative_config=True,
            template_folder=str(ROOT / "templates"),
            static_folder=str(ROOT / "static"),
        )
        configure(app, test_config)
        register_operations(app)
        register_extensions(app)
        register_jobs(app)
        check_personal_data_key(app)
        register_security(app)
        register_i18n(app)
        register_blueprints(app)
        register_template_helpers(app)
        register_error_handlers(app)
        register_cli(app)
        return app


def instance_path() -> str:
    """``LOANS_INSTANCE_PATH`` (SPEC §14): uploads, letter fonts and the embedded SQLite
    files; default the repository's ``instance/``. Several servers share one on shared storage."""
    return str(Path(os.environ.get("LOANS_INSTANCE_PATH") or ROOT / "instance").resolve())


def configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("LOANS")
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "loans.sqlite3")
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    if app.config.get("REDIS_URL"):  # one store for every server's rate limits (SPEC §14)
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if not app.config["BACKUP_PATH"]:  # beside the instance folder, never inside it
        app.config["BACKUP_PATH"] = str(Path(app.instance_path).parent / "backups")
    check_required(app.config)


def register_operations(app: Flask) -> None:
    """Request ids, timing and logs first, so that every request is counted and logged."""
    from . import operations

    operations.init_app(app)


def register_extensions(app: Flask) -> None:
    from . import personal_data
    from .extensions import babel, bootstrap, csrf, db, limiter, login_manager
    from .lazy_migrate import LazyMigrate

    from . import models  # noqa: F401  (register every table with the metadata)

    db.init_app(app)
    LazyMigrate(app, db, directory=str(ROOT / "migrations"))  # Alembic imported when something migrates
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    personal_data.init_app(app)
    from .auth.sessions import init_login

    init_login(app, login_manager)
    del babel  # initialised with its selector in register_i18n


def register_jobs(app: Flask) -> None:
    """The queue (Huey) and every package's job kinds (``<package>/jobs.py``)."""
    from .jobs import queue
    from .ledger import jobs as ledger_jobs  # noqa: F401  (registers its kinds)
    from .review import jobs as review_jobs  # noqa: F401
    from .servicing import jobs as servicing_jobs  # noqa: F401
    from .subsidy import jobs as subsidy_jobs  # noqa: F401
    from .letters import jobs as letters_jobs  # noqa: F401
    from .notifications import jobs as notifications_jobs  # noqa: F401
    from .notifications import code_sms  # noqa: F401  (one-time codes' SMS, provided to auth)
    from .servicing import reminders  # noqa: F401  (the hourly reminders)
    from .jobs import housekeeping  # noqa: F401
    from .backup import jobs as backup_jobs  # noqa: F401
    from .banks import jobs as banks_jobs  # noqa: F401
    from .fund import jobs as fund_jobs  # noqa: F401

    queue.init_app(app)


def check_personal_data_key(app: Flask) -> None:
    from . import personal_data

    try:
        personal_data.check_stored_key(app)
    except personal_data.WrongKeyError as exc:
        raise ConfigError(str(exc)) from None


def register_security(app: Flask) -> None:
    from . import access, security

    access.init_app(app)
    security.init_app(app)


def register_i18n(app: Flask) -> None:
    from . import i18n, lang_parts

    i18n.init_app(app)
    lang_parts.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Every package's ``views.bp``, in this order (the order URL rules are added in)."""
    from .admin import views as admin
    from .api import views as api
    from .portal import views as applications
    from .auth import views as auth
    from .banks import views as banks
    from .eligibility import views as eligibility
    from .jobs import views as jobs
    from .ledger import views as ledger
    from .letters import views as letters
    from .main import views as main
    from .policy import views as policy
    from .reports import views as reports
    from .review import views as review
    from .servicing import views as servicing
    from .subsidy import views as subsidy
    from .fund import views as fund
    from .rosters import views as rosters

    for views in (main, auth, applications, admin, review, eligibility, api, policy,
                  letters, servicing, ledger, subsidy, reports, jobs, banks, fund, rosters):
        app.register_blueprint(views.bp)
    from .banks import api as bank_api
    from .banks import token_views as bank_tokens

    for blueprint in (bank_api.bp, bank_tokens.bp):  # the banks package's other blueprints
        app.register_blueprint(blueprint)
    from .fund import claims_views  # also registers the claims' reaction to loan events

    app.register_blueprint(claims_views.bp)
    from .notifications import views as notifications  # short links, preferences, the outbox

    app.register_blueprint(notifications.bp)
    from .servicing import reminders as visits  # the officers' visits due

    app.register_blueprint(visits.bp)
    from .assisted import views as assisted  # community workers' assisted filing

    app.register_blueprint(assisted.bp)


def register_template_helpers(app: Flask) -> None:
    from . import template_helpers

    template_helpers.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from . import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    from . import cli

    cli.init_app(app)
