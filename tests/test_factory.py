"""The application factory: configuration per SPEC §10 and the security headers."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import loans
from loans import create_app
from loans.config import ConfigError

from tests.conftest import BASE_CONFIG, ROOT


@pytest.fixture
def tmp_root(tmp_path, monkeypatch):
    """A project root whose instance/ folder is ours, so the real instance/config.py is never read."""
    (tmp_path / "instance").mkdir()
    monkeypatch.setattr(loans, "ROOT", tmp_path)
    for name in list(os.environ):
        if name.startswith("LOANS_"):
            monkeypatch.delenv(name)
    return tmp_path


def write_instance_config(root, **values):
    values.setdefault("PUBLIC_BASE_URL", "https://loans.example.cn")
    lines = [f"{key} = {value!r}" for key, value in values.items() if value is not None]
    (root / "instance" / "config.py").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.nodb
def test_test_config_is_used(tmp_path, tmp_root):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret-key"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.sqlite3"
    # Defaults the tests do not override are still there.
    assert app.config["MAX_UPLOAD_BYTES"] == 10 * 1024 * 1024
    assert create_app({**BASE_CONFIG}).config["UPLOAD_FOLDER"].endswith("uploads")


@pytest.mark.nodb
@pytest.mark.parametrize("missing", ["SECRET_KEY", "PERSONAL_DATA_KEY"])
def test_refuses_to_start_without_a_secret(tmp_root, missing):
    keys = {"SECRET_KEY": "s3cret-from-instance", "PERSONAL_DATA_KEY": "pd-key-from-instance"}
    del keys[missing]
    write_instance_config(tmp_root, **keys)
    with pytest.raises(ConfigError) as excinfo:
        create_app()
    message = str(excinfo.value)
    assert missing in message
    assert "LOANS_" + missing in message  # says how to fix it
    assert "\n" not in message


@pytest.mark.nodb
def test_refuses_to_start_with_no_configuration_at_all(tmp_root):
    with pytest.raises(ConfigError, match="SECRET_KEY, PERSONAL_DATA_KEY"):
        create_app()


@pytest.mark.nodb
def test_instance_config_is_read(tmp_root):
    write_instance_config(tmp_root, SECRET_KEY="s3cret-from-instance", PERSONAL_DATA_KEY="pd-key-from-instance",
                          LOGIN_RATE_LIMIT="3 per minute")
    app = create_app()
    assert not app.testing
    assert app.config["SECRET_KEY"] == "s3cret-from-instance"
    assert app.config["LOGIN_RATE_LIMIT"] == "3 per minute"
    # Defaults point into the instance folder.
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_root / "instance" / "loans.sqlite3")
    assert app.config["UPLOAD_FOLDER"] == str(tmp_root / "instance" / "uploads")


@pytest.mark.nodb
def test_environment_overrides_instance_config(tmp_root, monkeypatch):
    write_instance_config(tmp_root, SECRET_KEY="s3cret-from-instance", PERSONAL_DATA_KEY="pd-key-from-instance")
    monkeypatch.setenv("LOANS_SECRET_KEY", "s3cret-from-env")
    monkeypatch.setenv("LOANS_SQLALCHEMY_DATABASE_URI", "sqlite:////tmp/from-env.sqlite3")
    monkeypatch.setenv("LOANS_MAX_UPLOAD_BYTES", "1024")  # JSON-decoded by from_prefixed_env
    app = create_app()
    assert app.config["SECRET_KEY"] == "s3cret-from-env"
    assert app.config["PERSONAL_DATA_KEY"] == "pd-key-from-instance"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/from-env.sqlite3"
    assert app.config["MAX_UPLOAD_BYTES"] == 1024


@pytest.mark.nodb
def test_secrets_from_environment_alone_are_enough(tmp_root, monkeypatch):
    monkeypatch.setenv("LOANS_SECRET_KEY", "s3cret-from-env")
    monkeypatch.setenv("LOANS_PERSONAL_DATA_KEY", "pd-key-from-env")
    monkeypatch.setenv("LOANS_PUBLIC_BASE_URL", "https://loans.example.cn")
    app = create_app()
    assert app.config["PERSONAL_DATA_KEY"] == "pd-key-from-env"


@pytest.mark.nodb
def test_the_personal_data_key_comes_from_configuration(tmp_root, monkeypatch):
    """Two keys, two different lookup hashes: the key is not baked into the code."""
    hashes = set()
    for key in ("pd-key-one", "pd-key-two"):
        monkeypatch.setenv("LOANS_SECRET_KEY", "s3cret")
        monkeypatch.setenv("LOANS_PERSONAL_DATA_KEY", key)
        monkeypatch.setenv("LOANS_PUBLIC_BASE_URL", "https://loans.example.cn")
        app = create_app()
        hashes.add(app.extensions["personal_data"].lookup_hash("431002199003151117"))
    assert len(hashes) == 2


def _run_cli(args, tmp_path, **env):
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("LOANS_")}
    clean_env.update(env)
    return subprocess.run(args, cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=120)


@pytest.mark.nodb
def test_wsgi_without_secrets_fails_with_one_line(tmp_path):
    """Whatever instance/config.py holds, empty LOANS_ secrets win and the start is refused."""
    result = _run_cli([sys.executable, "-c", "import wsgi"], tmp_path, LOANS_SECRET_KEY="", LOANS_PERSONAL_DATA_KEY="")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: missing configuration: SECRET_KEY, PERSONAL_DATA_KEY")
    assert "Traceback" not in result.stderr


@pytest.mark.nodb
def test_flask_cli_without_secrets_fails_with_one_line(tmp_path):
    flask = str(ROOT / ".venv" / "bin" / "flask")
    if not os.path.exists(flask):
        pytest.skip("no .venv/bin/flask")
    result = _run_cli([flask, "--app", "wsgi", "users", "create", "--role", "admin", "--email", "a@example.cn",
                       "--password", "x"], tmp_path, LOANS_PERSONAL_DATA_KEY="")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "PERSONAL_DATA_KEY" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1, result.stderr


# --- security headers -------------------------------------------------------------------

def _csp_directives(response) -> dict[str, str]:
    csp = response.headers["Content-Security-Policy"]
    return {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/no-such-page"])
def test_security_headers(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    directives = _csp_directives(response)
    assert directives["script-src"] == "script-src 'self'"
    assert "frame-ancestors" in directives
    assert "*" not in directives["frame-ancestors"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def test_security_headers_on_a_logged_in_page(client, login_as):
    login_as("applicant")
    response = client.get("/my/applications/")
    assert response.status_code == 200
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"  # personal pages are not cached


@pytest.mark.parametrize("path", ["/", "/login", "/register"])
def test_pages_need_no_inline_script(client, path):
    """The CSP forbids inline script, so the pages must not rely on any."""
    import re

    html = client.get(path).get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), "inline script body"
    assert not re.search(r"\son[a-z]+=\"", html), "inline event handler"


def test_session_cookie_is_httponly_and_samesite(client):
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


@pytest.mark.nodb
def test_serving_never_loads_the_migration_tools_and_flask_db_still_migrates(tmp_path):
    """A web or job worker starts without Alembic (its imports cost most of a second);
    ``flask db`` loads it when used: its options and commands are Flask-Migrate's."""
    database = tmp_path / "lazy.sqlite3"
    env = {"LOANS_SECRET_KEY": "s" * 32, "LOANS_PERSONAL_DATA_KEY": "p" * 32,
           "LOANS_PUBLIC_BASE_URL": "https://loans.example.cn", "LOANS_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"}
    served = _run_cli([sys.executable, "-c", "import sys, wsgi; print(sorted(m for m in sys.modules "
                       "if m.split('.')[0] in ('alembic', 'flask_migrate')))"], tmp_path, **env)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip().splitlines()[-1] == "[]"
    flask = [str(ROOT / ".venv" / "bin" / "flask") if (ROOT / ".venv" / "bin" / "flask").exists() else "flask",
             "--app", "wsgi"]
    listed = _run_cli([*flask, "db", "--help"], tmp_path, **env)
    assert "--directory" in listed.stdout and "upgrade" in listed.stdout and "downgrade" in listed.stdout
    upgraded = _run_cli([*flask, "db", "-d", str(ROOT / "migrations"), "upgrade"], tmp_path, **env)
    assert upgraded.returncode == 0, upgraded.stderr
    current = _run_cli([*flask, "db", "current"], tmp_path, **env)
    assert "(head)" in current.stdout, current.stdout + current.stderr


@pytest.mark.nodb
def test_the_job_queue_is_set_up_when_first_used_not_when_the_app_is_built(tmp_path):
    """Importing Huey imports redis and psycopg (a quarter of a second of every start):
    building the app (a server's start, a ``flask`` command) does not load them; the first
    job handed over, a worker, or a look at the queue sets it up with its schedule."""
    env = {"LOANS_SECRET_KEY": "s" * 32, "LOANS_PERSONAL_DATA_KEY": "p" * 32,
           "LOANS_PUBLIC_BASE_URL": "https://loans.example.cn",
           "LOANS_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lazy.sqlite3'}"}
    script = ("import sys, wsgi\n"
              "loaded = lambda: sorted({m.split('.')[0] for m in sys.modules} & {'huey', 'redis', 'psycopg'})\n"
              "print(loaded())\n"
              "queue = wsgi.app.extensions['jobs']\n"
              "print(queue.immediate, type(queue.huey.storage).__name__, len(queue.huey._registry._periodic_tasks) > 5)\n"
              "print('huey' in loaded())\n")
    ran = _run_cli([sys.executable, "-c", script], tmp_path, **env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-3:] == ["[]", "False InstanceSqliteStorage True", "True"]
