"""deploy/ and README's production section say what the code does (issue 13): every
setting of loans/config.py in the table, env.example naming only real settings, nginx's
body limits at least the app's, the worker units running the command as documented."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from loans.config import DEFAULTS, REQUIRED_SECRETS, REQUIRED_SETTINGS
from loans.jobs.cli import worker_command
from loans.ledger.forms import DEFAULT_MAX_UPLOAD_BYTES

pytestmark = pytest.mark.nodb

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# Read with LOANS_ but not from DEFAULTS: the instance folder (environment only, before the
# app exists) and the ledger's own upload limit (loans/ledger/forms.py).
OTHER_SETTINGS = {"INSTANCE_PATH", "LEDGER_MAX_UPLOAD_BYTES"}
KNOWN = set(DEFAULTS) | OTHER_SETTINGS


def production_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Running in production\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def table_settings() -> list[str]:
    return re.findall(r"^\| `LOANS_([A-Z_]+)` \|", production_section(), re.M)


def test_every_setting_has_a_row_in_the_readme():
    rows = table_settings()
    assert sorted(KNOWN - set(rows)) == [], "add these settings to README's tables (Running in production)"
    assert sorted(set(rows) - KNOWN) == [], "README's tables name settings the app does not read"
    assert len(rows) == len(set(rows)), "a setting has two rows"


def test_env_example_names_real_settings_and_sets_the_required_ones():
    text = (DEPLOY / "env.example").read_text(encoding="utf-8")
    named = {name.split("__")[0] for name in re.findall(r"^#?LOANS_([A-Z_a-z]+)=", text, re.M)}
    assert sorted(named - KNOWN) == []
    set_here = set(re.findall(r"^LOANS_([A-Z_]+)=", text, re.M))
    assert set(REQUIRED_SECRETS + REQUIRED_SETTINGS) <= set_here
    assert {"SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "BACKUP_PATH", "PROXY_HOPS", "LOG_FORMAT"} <= set_here


def megabytes(size: str) -> int:
    assert size.endswith("m"), size
    return int(size[:-1]) * 1024 * 1024


def test_nginx_lets_through_what_the_app_accepts():
    text = (DEPLOY / "nginx" / "loans.conf").read_text(encoding="utf-8")
    server_limit = re.search(r"^    client_max_body_size (\d+m);", text, re.M).group(1)
    ledger = re.search(r"location = /admin/ledger/ \{[^}]*client_max_body_size (\d+m);", text).group(1)
    assert megabytes(server_limit) >= DEFAULTS["MAX_CONTENT_LENGTH"]
    assert megabytes(ledger) >= DEFAULT_MAX_UPLOAD_BYTES + 256 * 1024  # loans/ledger/views.py
    assert "proxy_set_header X-Forwarded-For" in text and "proxy_set_header X-Forwarded-Proto" in text
    assert "Content-Security-Policy" not in text  # the app sets it


def unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize("name, periodic", [("loans-worker.service", True),
                                            ("loans-worker-nosched@.service", False)])
def test_worker_units(name, periodic):
    values = unit(name)
    command = values["ExecStart"][0].split()
    assert command[1:4] == ["--app", "wsgi", "worker"]
    assert ("--no-periodic" not in command) is periodic
    assert {option for option in command if option.startswith("--")} - {"--app"} <= \
        {opt for param in worker_command.params for opt in param.opts}
    assert values["KillSignal"] == ["SIGINT"] and values["Restart"] == ["always"]
    assert values["EnvironmentFile"] == ["/etc/loans/env"] and values["User"] == ["loans"]


def test_web_unit_runs_gunicorn_with_the_deploy_config():
    values = unit("loans-web.service")
    assert values["ExecStart"][0].endswith("gunicorn --config deploy/gunicorn.conf.py wsgi:app")
    assert values["ProtectSystem"] == ["strict"] and values["NoNewPrivileges"] == ["yes"]
    assert "/var/lib/loans/instance" in values["ReadWritePaths"][0]
    assert (DEPLOY / "gunicorn.conf.py").is_file()


def test_gunicorn_workers_freeze_the_objects_of_start_up():
    """A full collection walked the ~150,000 objects of start-up: a 78 ms pause every few
    hundred pages. Each worker freezes them once the app is loaded."""
    import gc
    import runpy

    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    before = gc.get_freeze_count()
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
