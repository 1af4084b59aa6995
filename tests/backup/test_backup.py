"""Backups (SPEC §14): a backup of the demo data with uploads restored into a fresh database
and a fresh instance folder holds every table's rows and money sums and every file's
bytes, and its audit chain verifies (and still catches a row changed afterwards); restore
refuses a target that holds anything; verify names a tampered or missing member; keys are
never in an archive; pruning keeps the newest. On SQLite, and on PostgreSQL when
TEST_DATABASE_URL points there (restoring into a second database made for the test)."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from loans.applications.models import LoanApplication
from loans.audit.models import AuditEvent
from loans.backup.services import (MANIFEST, create_backup, database_facts, prune_backups, restore_backup,
                                   verify_backup)
from loans.db import db
from tests.audit.test_chain import guard_lifted
from tests.conftest import BASE_CONFIG, PG_URL
from tests.helpers import drop_database
from tests.test_instance_folder import TINY_PDF

KEYS = (BASE_CONFIG["SECRET_KEY"], BASE_CONFIG["PERSONAL_DATA_KEY"])


# --- data and targets ----------------------------------------------------------------------

def add_uploads(application: LoanApplication) -> None:
    """Two files in the upload folder: plain evidence and an encrypted ID card."""
    from loans.applications import services

    services.record_consent(application.applicant, application, None)
    services.store_document(application, FileStorage(io.BytesIO(TINY_PDF), "plan.pdf"), "business_plan",
                            actor=application.applicant)
    services.store_document(application, FileStorage(io.BytesIO(TINY_PDF + b"id"), "id.pdf"), "id_card",
                            actor=application.applicant)
    db.session.commit()


@pytest.fixture
def demo_world(app, runner, tmp_path):
    """The demo data (cases, loans with events, statements, a long audit trail) and uploads."""
    app.config["BACKUP_PATH"] = str(tmp_path / "backups")
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    draft = db.session.scalar(select(LoanApplication).where(LoanApplication.status == "draft")
                              .order_by(LoanApplication.id).limit(1))
    add_uploads(draft)
    return app


@pytest.fixture
def small_world(app, make_case, tmp_path):
    app.config["BACKUP_PATH"] = str(tmp_path / "backups")
    add_uploads(make_case("draft"))
    return app


def facts() -> dict:
    with db.engine.connect() as connection:
        return database_facts(connection)


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


def uploads_of(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


@contextmanager
def fresh_target(tmp_path, monkeypatch):
    """An app on a database with no tables and a fresh instance folder (LOANS_INSTANCE_PATH,
    the upload folder inside it), its context pushed: what a restore drill starts from."""
    from loans import create_app

    monkeypatch.setenv("LOANS_INSTANCE_PATH", str(tmp_path / "fresh-instance"))
    name = None
    if PG_URL:
        name = f"loans_restore_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:  # loans_ci needs CREATEDB (.ci/run gives it)
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    target = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    assert Path(target.config["UPLOAD_FOLDER"]) == tmp_path / "fresh-instance" / "uploads"
    try:
        with target.app_context():
            try:
                yield target
            finally:  # also when the test failed: the pool's connections would hold the database
                db.session.remove()
                db.engine.dispose()
    finally:
        if name:
            admin.dispose()
            drop_database(PG_URL, name)


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:*") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` whose members went through ``change(name, data)`` (None: left out)."""
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members(archive).items():
            data = change(name, data)
            if data is not None:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return target


# --- the restore drill ---------------------------------------------------------------------

def test_a_backup_restores_into_a_fresh_database_and_instance_folder(demo_world, tmp_path, monkeypatch):
    source_facts, source_files = facts(), file_hashes(uploads_of(demo_world))
    assert len(source_files) == 2
    assert source_facts["tables"]["loan_events"]["rows"] > 0 and source_facts["audit"]["count"] > 100
    archive = create_backup(tmp_path / "drill.tar.gz")
    assert verify_backup(archive) == []

    manifest = json.loads(members(archive)[MANIFEST])
    assert manifest["format_version"] == 1 and manifest["created_at"].endswith("+00:00")
    assert manifest["dialect"] == db.engine.dialect.name
    assert {key: manifest[key] for key in source_facts} == source_facts
    assert "alembic_version" not in manifest["tables"]
    raw = db.session.execute(sa.text("SELECT sum(amount) FROM loan_events")).scalar()
    assert manifest["tables"]["loan_events"]["sums"]["amount"] == int(raw) > 0
    assert manifest["tables"]["loans"]["sums"] == {"amount": manifest["tables"]["loans"]["sums"]["amount"]}
    assert {f"uploads/{name}" for name in source_files} <= set(manifest["files"])

    with fresh_target(tmp_path, monkeypatch) as target:
        runner = target.test_cli_runner()
        result = runner.invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "match the manifest" in result.output

        restored = facts()
        assert restored["tables"] == source_facts["tables"]  # every table's rows and money sums
        assert restored == source_facts
        assert file_hashes(uploads_of(target)) == source_files

        head, count = str(manifest["audit"]["head"]), str(manifest["audit"]["count"])
        result = runner.invoke(args=["audit", "verify", "--expect-head", head, "--expect-count", count])
        assert result.exit_code == 0, result.output
        assert f"head {head}, count {count}" in result.output

        middle = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).offset(int(count) // 2).limit(1))
        with guard_lifted() as conn:
            conn.execute(sa.text("UPDATE audit_events SET action = 'forged' WHERE id = :id"), {"id": middle})
        result = runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 1, result.output
        assert f"row {middle} was changed" in result.output


def test_the_restored_data_needs_the_key_it_was_written_with(small_world, tmp_path, monkeypatch):
    archive = create_backup(tmp_path / "b.tar.gz")
    monkeypatch.setitem(BASE_CONFIG, "PERSONAL_DATA_KEY", "another-key")
    with fresh_target(tmp_path, monkeypatch):
        restored = restore_backup(archive)
    assert restored.differences and "another PERSONAL_DATA_KEY" in restored.differences[0]


# --- refusals ------------------------------------------------------------------------------

def test_restore_refuses_a_database_with_tables_and_changes_nothing(small_world, runner, tmp_path):
    archive = create_backup(tmp_path / "b.tar.gz")
    before, files = facts(), file_hashes(uploads_of(small_world))
    result = runner.invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 1
    assert "table(s)" in result.output and "nothing was restored" in result.output
    assert "Traceback" not in result.output
    assert facts() == before and file_hashes(uploads_of(small_world)) == files


def test_restore_refuses_an_upload_folder_that_is_not_empty(small_world, tmp_path, monkeypatch):
    archive = create_backup(tmp_path / "b.tar.gz")
    with fresh_target(tmp_path, monkeypatch) as target:
        uploads_of(target).mkdir(parents=True)
        (uploads_of(target) / "left-over.pdf").write_bytes(b"x")
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 1
        assert "is not empty" in result.output and "nothing was restored" in result.output
        assert sa.inspect(db.engine).get_table_names() == []
        assert [p.name for p in uploads_of(target).iterdir()] == ["left-over.pdf"]


def test_restore_refuses_an_archive_that_does_not_verify(small_world, tmp_path, monkeypatch):
    archive = create_backup(tmp_path / "b.tar.gz")
    tampered = rewrite(archive, tmp_path / "t.tar.gz",
                       lambda name, data: data + b"!" if name.startswith("uploads/") else data)
    with fresh_target(tmp_path, monkeypatch) as target:
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(tampered)])
        assert result.exit_code == 1 and "does not verify" in result.output
        assert sa.inspect(db.engine).get_table_names() == []
        assert not uploads_of(target).exists()


# --- verify --------------------------------------------------------------------------------

def test_verify_passes_a_whole_archive(small_world, runner, tmp_path):
    archive = create_backup(tmp_path / "b.tar.gz")
    result = runner.invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code == 0, result.output
    assert "verifies: 3 file(s)" in result.output and "audit head" in result.output


def test_verify_names_a_tampered_member(small_world, runner, tmp_path):
    archive = create_backup(tmp_path / "b.tar.gz")
    changed = sorted(name for name in members(archive) if name.startswith("uploads/"))[0]
    tampered = rewrite(archive, tmp_path / "t.tar.gz", lambda name, data: data[:-1] + b"X" if name == changed else data)
    result = runner.invoke(args=["backup", "verify", str(tampered)])
    assert result.exit_code == 1
    assert f"{changed} differs from the manifest" in result.output
    assert verify_backup(tampered) == [line for line in result.output.splitlines()
                                       if line.startswith(changed)]


@pytest.mark.parametrize("change, problem", [
    (lambda name, data: None if name == MANIFEST else data, "manifest.json is missing"),
    (lambda name, data: None if name.startswith("database/") else data, "missing from the archive"),
    (lambda name, data: b"{" if name == MANIFEST else data, "manifest.json is not valid JSON"),
    (lambda name, data: json.dumps({**json.loads(data), "format_version": 99}).encode() if name == MANIFEST else data,
     "format version 99"),
    (lambda name, data: json.dumps({**json.loads(data), "tables": {"users": 5}}).encode() if name == MANIFEST else data,
     "not as a backup writes them"),
])
def test_verify_names_what_is_wrong(small_world, tmp_path, change, problem):
    archive = create_backup(tmp_path / "b.tar.gz")
    problems = verify_backup(rewrite(archive, tmp_path / "t.tar.gz", change))
    assert any(problem in p for p in problems), problems


def test_verify_names_an_added_member_and_a_file_that_is_no_archive(small_world, runner, tmp_path):
    archive = create_backup(tmp_path / "b.tar.gz")
    extra = rewrite(archive, tmp_path / "t.tar.gz", lambda name, data: data)
    with tarfile.open(extra, "r:gz") as tar:
        kept = {m.name: tar.extractfile(m).read() for m in tar}
    with tarfile.open(extra, "w:gz") as tar:
        for name, data in [*kept.items(), ("uploads/smuggled.pdf", b"%PDF")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert verify_backup(extra) == ["uploads/smuggled.pdf is in the archive but not in the manifest"]
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tar")
    result = runner.invoke(args=["backup", "verify", str(tmp_path / "junk.tar.gz")])
    assert result.exit_code == 1 and "cannot be read as a backup archive" in result.output
    assert runner.invoke(args=["backup", "verify", str(tmp_path / "absent.tar.gz")]).exit_code == 1


# --- create --------------------------------------------------------------------------------

def test_create_writes_to_the_backup_path_and_never_holds_a_key(small_world, runner, tmp_path):
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code == 0, result.output
    [archive] = (tmp_path / "backups").glob("loans-*.tar.gz")
    assert archive.name[6:22].endswith("Z") and str(archive) in result.output
    assert list((tmp_path / "backups").iterdir()) == [archive]  # no temporary file left
    contents = members(archive)
    assert set(contents) == {MANIFEST, f"database/loans.{'pgdump' if PG_URL else 'sqlite3'}",
                             *(f"uploads/{name}" for name in file_hashes(uploads_of(small_world)))}
    for name, data in contents.items():
        for key in KEYS:
            assert key.encode() not in data, f"{key} found in {name}"


def test_create_refuses_a_path_inside_the_instance_folder_or_an_existing_file(small_world, runner, tmp_path):
    inside = Path(small_world.instance_path) / "backups" / "b.tar.gz"
    result = runner.invoke(args=["backup", "create", "--output", str(inside)])
    assert result.exit_code == 1 and "inside the instance folder" in result.output
    assert not inside.parent.exists()
    result = runner.invoke(args=["backup", "create", "--output", str(uploads_of(small_world) / "b.tar.gz")])
    assert result.exit_code == 1 and "inside the upload folder" in result.output
    (tmp_path / "taken.tar.gz").write_bytes(b"mine")
    result = runner.invoke(args=["backup", "create", "--output", str(tmp_path / "taken.tar.gz")])
    assert result.exit_code == 1 and "exists already" in result.output
    assert (tmp_path / "taken.tar.gz").read_bytes() == b"mine"


def test_a_plain_tar_when_the_name_says_so(small_world, tmp_path):
    archive = create_backup(tmp_path / "b.tar")
    with tarfile.open(archive, "r:") as tar:
        assert MANIFEST in tar.getnames()
    assert verify_backup(archive) == []


# --- prune ---------------------------------------------------------------------------------

@pytest.mark.nodb
def test_prune_keeps_the_newest(tmp_path):
    names = [f"loans-202601{day:02d}T020000Z.tar.gz" for day in range(1, 18)]
    for name in [*names, "notes.txt", "loans-20260120T020000Z.tar.gz.partial"]:
        (tmp_path / name).write_bytes(b"x")
    deleted = prune_backups(tmp_path, keep=14)
    assert [p.name for p in deleted] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[3:], "notes.txt", "loans-20260120T020000Z.tar.gz.partial"])
    assert prune_backups(tmp_path) == []
    with pytest.raises(ValueError):
        prune_backups(tmp_path, keep=0)
