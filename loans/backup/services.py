"""Backups (SPEC §14): create, verify, restore and prune backup archives.

An archive is one tar file (gzip unless its name ends in ``.tar``) holding

- ``database/loans.sqlite3`` (SQLite's online backup API) or ``database/loans.pgdump``
  (``pg_dump --format=custom``);
- ``uploads/…``: every file of the upload folder, as stored (sensitive evidence stays
  encrypted with the personal-data key, which is not in the archive);
- ``manifest.json``, written last: the format and its version, the UTC time, the dialect,
  the alembic revision, per table its row count and the sum of each money column (integer
  fen), the audit chain's head and count, and the SHA-256 and size of every other member.

Never in it: ``SECRET_KEY``, ``PERSONAL_DATA_KEY``, ``instance/config.py``, the letter
fonts (rebuilt on demand) or the embedded queue's files — of the instance folder only the
uploads are data (letters are stored in the database).

The manifest's figures are read from the very snapshot that is dumped (the SQLite copy, or
the transaction whose snapshot ``pg_dump`` shares) by ``database_facts``, and read the same
way from a restored database, so a restore is compared with what was backed up, not with
what the live database held a moment later. Everything here only reads the app's database:
nothing to commit.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from ..audit.queries import chain_head
from ..db import Money, db
from ..errors import Refused
from ..personal_data import KEY_CHECK_NAME, KeyCheck

FORMAT = "loans-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database/loans.sqlite3", "postgresql": "database/loans.pgdump"}
UPLOADS = "uploads"
ARCHIVE_GLOB = "loans-*.tar.gz"  # the names create_backup() gives: loans-<UTC time>.tar.gz
NOT_COUNTED = frozenset({"alembic_version"})
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MANIFEST_KEYS = ("created_at", "dialect", "alembic_revision", "database", "tables", "files", "audit")
PG_BIN_DIRS = Path("/usr/lib/postgresql")


class BackupFailed(RuntimeError):
    """A tool, the database or the disk failed while backing up or restoring (not a
    refusal: the request was fine; look at the cause and try again)."""


@dataclass(frozen=True)
class BackupCheck:
    """What reading an archive found: its manifest (None when unreadable) and its problems."""

    manifest: dict | None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Restored:
    """A restore that ran: the archive's manifest, and how the restored database and files
    differ from it (empty: the restore is faithful)."""

    manifest: dict
    differences: list[str]


# --- the figures of a database (shared by create and restore) ------------------------------

def table_figures(connection: Connection) -> dict[str, dict]:
    """``{table: {"rows": n, "sums": {column: total fen}}}`` for every table of the database
    on ``connection`` but ``alembic_version``. The money columns are those the models
    declare ``Money`` (integer fen) and any integer column named ``…_fen``; sums are exact
    integers (0 for an empty table)."""
    inspector = sa.inspect(connection)
    figures = {}
    for name in sorted(set(inspector.get_table_names()) - NOT_COUNTED):
        money = sorted(column["name"] for column in inspector.get_columns(name)
                       if _holds_fen(name, column["name"], column["type"]))
        table = sa.table(name, *(sa.column(column) for column in money))
        row = connection.execute(sa.select(sa.func.count(), *(sa.func.coalesce(sa.func.sum(table.c[column]), 0)
                                                              for column in money)).select_from(table)).one()
        figures[name] = {"rows": int(row[0]), "sums": {column: int(total) for column, total in zip(money, row[1:])}}
    return figures


def _holds_fen(table: str, column: str, reflected_type) -> bool:
    model = db.metadata.tables.get(table)
    if model is not None and column in model.c and isinstance(model.c[column].type, Money):
        return True
    return column.endswith("_fen") and isinstance(reflected_type, sa.Integer)


def database_facts(connection: Connection) -> dict:
    """What a manifest records of a database, read through ``connection`` (one snapshot):
    the alembic revision, the table figures and the audit chain's head and count."""
    inspector = sa.inspect(connection)
    revision = None
    if inspector.has_table("alembic_version"):
        revision = ",".join(sorted(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()))
    with _session_on(connection):
        head, count = chain_head()
    return {"alembic_revision": revision, "tables": table_figures(connection), "audit": {"head": head, "count": count}}


@contextmanager
def _session_on(connection: Connection) -> Iterator[None]:
    """Let ``db.session`` read through ``connection`` for the block, so that the audit
    package's own query (``chain_head``) sees the snapshot being backed up or the database
    just restored; the unit of work's session is put back untouched afterwards."""
    registry = db.session.registry
    previous = registry() if registry.has() else None
    session = Session(bind=connection)
    registry.set(session)
    try:
        yield
    finally:
        session.close()
        if previous is None:
            registry.clear()
        else:
            registry.set(previous)


# --- create --------------------------------------------------------------------------------

def create_backup(output: Path | None = None) -> Path:
    """Write one backup archive and return its path (see ``make_backup``)."""
    return make_backup(output)[0]


def make_backup(output: Path | None = None) -> tuple[Path, dict]:
    """Write one backup archive of the app's database and upload folder to ``output``
    (default ``BACKUP_PATH/loans-<UTC time>.tar.gz``; gzip unless the name ends in
    ``.tar``) and return its path and manifest. The archive appears under its name only
    once complete. Refuses an output inside the instance or upload folder, or one that
    exists; raises ``BackupFailed`` when the dump fails."""
    created = datetime.now(timezone.utc)
    output = _output_path(output, created)
    url = _database_url()
    dialect = _dialect(url)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".loans-backup-", dir=output.parent) as work:
            dump = Path(work) / PurePosixPath(DATABASE_MEMBER[dialect]).name
            facts = _dump_sqlite(url, dump) if dialect == "sqlite" else _dump_postgresql(url, dump)
            partial = Path(work) / "archive"
            manifest = _write_archive(partial, not output.name.endswith(".tar"), dump, dialect, facts, created)
            os.replace(partial, output)  # same folder: the archive appears whole or not at all
    except OSError as exc:
        raise BackupFailed(f"cannot write the backup {output}: {exc.strerror or exc}") from None
    except sa.exc.SQLAlchemyError as exc:
        raise BackupFailed(f"the database could not be read: {getattr(exc, 'orig', None) or exc}") from None
    return output, manifest


def _output_path(output: Path | None, created: datetime) -> Path:
    if output is None:
        output = Path(current_app.config["BACKUP_PATH"]) / f"loans-{created:%Y%m%dT%H%M%SZ}.tar.gz"
    output = Path(output).expanduser().resolve()
    for folder, what in ((current_app.instance_path, "instance folder"),
                         (current_app.config["UPLOAD_FOLDER"], "upload folder")):
        if output.is_relative_to(Path(folder).resolve()):
            raise Refused(f"{output} is inside the {what} {folder}: backups are kept beside it, never inside "
                          "(set BACKUP_PATH or give --output elsewhere)")
    if output.exists():
        raise Refused(f"{output} exists already: a backup never overwrites a file")
    return output


def _dump_sqlite(url: URL, dump: Path) -> dict:
    """SQLite's online backup API: a consistent copy even while the app writes."""
    source = _sqlite_file(url)
    if not source.is_file():
        raise BackupFailed(f"the SQLite database {source} does not exist")
    try:
        _sqlite_copy(f"{source.as_uri()}?mode=ro", dump)
    except sqlite3.Error as exc:
        raise BackupFailed(f"the SQLite backup of {source} failed: {exc}") from None
    engine = sa.create_engine(URL.create("sqlite", database=str(dump)), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return database_facts(connection)
    finally:
        engine.dispose()


def _sqlite_copy(source: str, target: Path) -> None:
    src = sqlite3.connect(source, uri=source.startswith("file:"))
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _dump_postgresql(url: URL, dump: Path) -> dict:
    """``pg_dump --format=custom`` on the snapshot of a repeatable-read transaction, whose
    figures are read in that same transaction."""
    pg_dump = _pg_tool("pg_dump")
    connection = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    try:
        transaction = connection.begin()
        try:
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            _run_pg_tool([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={dump}",
                          f"--dbname={_libpq_url(url)}"], url)
            return database_facts(connection)
        finally:
            transaction.rollback()  # it only read
    finally:
        connection.close()


def _write_archive(target: Path, compress: bool, dump: Path, dialect: str, facts: dict, created: datetime) -> dict:
    files: dict[str, dict] = {}
    with tarfile.open(target, "w:gz" if compress else "w", format=tarfile.PAX_FORMAT) as tar:
        _add_file(tar, DATABASE_MEMBER[dialect], dump, files, created)
        folder = Path(current_app.config["UPLOAD_FOLDER"])
        for path in _files_under(folder):
            _add_file(tar, f"{UPLOADS}/{path.relative_to(folder).as_posix()}", path, files, created)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": created.isoformat(),
            "dialect": dialect, "database": DATABASE_MEMBER[dialect], **facts, "files": files,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        tar.addfile(_member_info(MANIFEST, len(data), created), io.BytesIO(data))
    return manifest


def _files_under(folder: Path) -> list[Path]:
    """The regular files under ``folder`` (symbolic links are not the app's and are left out)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _add_file(tar: tarfile.TarFile, name: str, path: Path, files: dict, created: datetime) -> None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:  # an upload deleted since the folder was listed
        return
    with handle:
        size = os.fstat(handle.fileno()).st_size
        reader = _HashingReader(handle)
        tar.addfile(_member_info(name, size, created), reader)
    files[name] = {"sha256": reader.hash.hexdigest(), "bytes": size}


def _member_info(name: str, size: int, created: datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(created.timestamp())
    return info


class _HashingReader:
    """A file whose bytes are hashed as tarfile reads them: one read per file."""

    def __init__(self, handle):
        self.handle = handle
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.hash.update(data)
        return data


# --- verify --------------------------------------------------------------------------------

def verify_backup(path: Path) -> list[str]:
    """The problems of the archive at ``path`` (empty: it is whole): an unreadable archive,
    a missing or unknown manifest, a member whose SHA-256 or size differs from the
    manifest, one missing from the archive or not listed in the manifest."""
    return read_backup(path).problems


def read_backup(path: Path) -> BackupCheck:
    """Read the whole archive once, hashing every member, and check it against its manifest."""
    path = Path(path)
    found: dict[str, tuple[str, int]] = {}
    problems: list[str] = []
    raw_manifest = None
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                name = member.name
                if name in found or (name == MANIFEST and raw_manifest is not None):
                    problems.append(f"{name} is in the archive twice")
                elif not member.isfile():
                    problems.append(f"{name} is not a regular file")
                elif name == MANIFEST:
                    raw_manifest = tar.extractfile(member).read(MAX_MANIFEST_BYTES)
                elif not _expected_member(name):
                    problems.append(f"{name} is not a member a backup holds")
                else:
                    found[name] = _digest(tar.extractfile(member))
    except (OSError, EOFError, tarfile.TarError, zlib.error) as exc:
        return BackupCheck(None, [f"{path} cannot be read as a backup archive: {exc}"])
    manifest, manifest_problems = _parse_manifest(raw_manifest)
    problems += manifest_problems
    if manifest is None:
        return BackupCheck(None, problems)
    listed = manifest["files"]
    for name in sorted(listed.keys() - found.keys()):
        problems.append(f"{name} is listed in the manifest but missing from the archive")
    for name in sorted(found.keys() - listed.keys()):
        problems.append(f"{name} is in the archive but not in the manifest")
    for name in sorted(listed.keys() & found.keys()):
        digest, size = found[name]
        expected = listed[name]
        if digest != expected.get("sha256") or size != expected.get("bytes"):
            problems.append(f"{name} differs from the manifest: SHA-256 {digest} ({size} bytes), "
                            f"the manifest says {expected.get('sha256')} ({expected.get('bytes')} bytes)")
    if manifest["database"] != DATABASE_MEMBER.get(manifest["dialect"]):
        problems.append(f"{MANIFEST}: database {manifest['database']!r} does not fit dialect "
                        f"{manifest['dialect']!r}")
    elif manifest["database"] not in found:
        problems.append(f"the database dump {manifest['database']} is not in the archive")
    return BackupCheck(manifest, problems)


def _parse_manifest(raw: bytes | None) -> tuple[dict | None, list[str]]:
    if raw is None:
        return None, [f"{MANIFEST} is missing"]
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, [f"{MANIFEST} is not valid JSON"]
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None, [f"{MANIFEST} is not the manifest of a loans backup"]
    if manifest.get("format_version") != FORMAT_VERSION:
        return None, [f"{MANIFEST}: format version {manifest.get('format_version')!r}, this version of the app reads "
                      f"{FORMAT_VERSION}"]
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        return None, [f"{MANIFEST} lacks {', '.join(missing)}"]
    well_formed = (
        all(isinstance(entry, dict) for entry in _values(manifest["files"]))
        and all(isinstance(entry, dict) and isinstance(entry.get("rows"), int) and isinstance(entry.get("sums"), dict)
                for entry in _values(manifest["tables"]))
        and isinstance(manifest["audit"], dict) and {"head", "count"} <= manifest["audit"].keys())
    if not well_formed:
        return None, [f"{MANIFEST}: its files, tables or audit entries are not as a backup writes them"]
    return manifest, []


def _values(mapping) -> list:
    return list(mapping.values()) if isinstance(mapping, dict) else [None]


def _expected_member(name: str) -> bool:
    if name in DATABASE_MEMBER.values():
        return True
    parts = PurePosixPath(name).parts
    return (len(parts) > 1 and parts[0] == UPLOADS and not name.startswith("/")
            and not any(part in ("..", ".", "") for part in parts) and "\\" not in name)


def _digest(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def describe(manifest: dict) -> str:
    """One line about a backup, for people."""
    tables = manifest["tables"]
    rows = sum(figures.get("rows", 0) for figures in tables.values())
    uploads = sum(1 for name in manifest["files"] if name.startswith(UPLOADS + "/"))
    audit = manifest["audit"]
    return (f"made {manifest['created_at']}, {manifest['dialect']} at revision {manifest['alembic_revision']}: "
            f"{len(tables)} tables, {rows} rows, {uploads} uploaded file(s); audit head {audit['head']}, "
            f"count {audit['count']}")


# --- restore -------------------------------------------------------------------------------

def restore_backup(path: Path) -> Restored:
    """Load the archive at ``path`` into the app's database, which must have no tables at
    all, and its upload folder, which must be empty or absent; then read the restored
    database's figures and files again and return how they differ from the manifest.

    Refuses (changing nothing) an archive that does not verify, one of another database
    dialect, or a target that holds anything. The target is reached on an engine of its
    own; the app's pooled connections are dropped afterwards."""
    path = Path(path)
    check = read_backup(path)
    if check.problems:
        raise Refused(f"{path} does not verify, so nothing was restored: " + "; ".join(check.problems))
    manifest = check.manifest
    url = _database_url()
    dialect = _dialect(url)
    if manifest["dialect"] != dialect:
        raise Refused(f"{path} holds a {manifest['dialect']} database and the target is {dialect}: "
                      "restore it into a database of its own kind; nothing was restored")
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    target = url.render_as_string(hide_password=True)
    if dialect == "sqlite":
        _sqlite_file(url).parent.mkdir(parents=True, exist_ok=True)
    db.engine.dispose()
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        tables = _tables_in(engine, dialect)
        if tables:
            raise Refused(f"the target database {target} has {tables} table(s): a backup is restored only into a "
                          "database without any; nothing was restored")
        if uploads.exists() and (not uploads.is_dir() or any(uploads.iterdir())):
            raise Refused(f"the target upload folder {uploads} is not empty: a backup is restored only into an "
                          "empty or absent one; nothing was restored")
        differences = _load(path, manifest, url, dialect, uploads)
        with engine.connect() as connection:
            differences += _differences(manifest, database_facts(connection))
            differences += _key_problems(connection)
    except OSError as exc:
        raise BackupFailed(f"restoring {path} failed: {exc.strerror or exc}") from None
    except sa.exc.SQLAlchemyError as exc:
        raise BackupFailed(f"restoring {path} failed in the database: {getattr(exc, 'orig', None) or exc}") from None
    finally:
        engine.dispose()
        db.engine.dispose()
    return Restored(manifest, differences)


def _tables_in(engine: sa.Engine, dialect: str) -> int:
    """Tables of any schema (not only the default one): the target must have none."""
    query = ("SELECT count(*) FROM sqlite_master WHERE type = 'table'" if dialect == "sqlite" else
             "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    with engine.connect() as connection:
        return connection.execute(sa.text(query)).scalar_one()


def _load(path: Path, manifest: dict, url: URL, dialect: str, uploads: Path) -> list[str]:
    """Unpack the archive beside the upload folder, load the database, then move the files
    into place; returns the files whose bytes differ from the manifest once unpacked."""
    uploads.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".loans-restore-", dir=uploads.parent) as work:
        dump, staged = Path(work) / "database", Path(work) / UPLOADS
        differences = []
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if member.name == manifest["database"]:
                    destination = dump
                elif member.name.startswith(UPLOADS + "/") and _expected_member(member.name):
                    destination = staged / PurePosixPath(member.name).relative_to(UPLOADS)
                else:
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                reader = _HashingReader(tar.extractfile(member))
                with destination.open("xb") as out:
                    shutil.copyfileobj(reader, out, CHUNK)
                if reader.hash.hexdigest() != manifest["files"][member.name]["sha256"]:
                    differences.append(f"{member.name} changed while it was restored (SHA-256 differs)")
        if dialect == "sqlite":
            target = _sqlite_file(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                _sqlite_copy(str(dump), target)
            except sqlite3.Error as exc:
                raise BackupFailed(f"loading the SQLite database into {target} failed: {exc}") from None
        else:
            _run_pg_tool([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
                          "--exit-on-error", "--no-password", f"--dbname={_libpq_url(url)}", str(dump)], url)
        uploads.mkdir(parents=True, exist_ok=True)
        if staged.is_dir():
            for item in staged.iterdir():
                os.replace(item, uploads / item.name)
    return differences


def _differences(manifest: dict, facts: dict) -> list[str]:
    found = []
    if facts["alembic_revision"] != manifest["alembic_revision"]:
        found.append(f"alembic revision {facts['alembic_revision']}, the manifest says {manifest['alembic_revision']}")
    expected, actual = manifest["tables"], facts["tables"]
    found += [f"table {name} is missing" for name in sorted(expected.keys() - actual.keys())]
    found += [f"table {name} is not in the manifest" for name in sorted(actual.keys() - expected.keys())]
    for name in sorted(expected.keys() & actual.keys()):
        want, got = expected[name], actual[name]
        if want.get("rows") != got["rows"]:
            found.append(f"table {name}: {got['rows']} rows, the manifest says {want.get('rows')}")
        sums = want.get("sums", {})
        for column in sorted(sums.keys() | got["sums"].keys()):
            if sums.get(column) != got["sums"].get(column):
                found.append(f"table {name}: sum of {column} {got['sums'].get(column)} fen, "
                             f"the manifest says {sums.get(column)}")
    if facts["audit"] != manifest["audit"]:
        found.append(f"audit chain head {facts['audit']['head']} count {facts['audit']['count']}, the manifest says "
                     f"head {manifest['audit'].get('head')} count {manifest['audit'].get('count')}")
    return found


def _key_problems(connection: Connection) -> list[str]:
    """The personal-data key is never in a backup: the restored data must meet the key it
    was written with, or the app refuses to start on it."""
    if not sa.inspect(connection).has_table(KeyCheck.__tablename__):
        return []
    stored = connection.execute(sa.select(KeyCheck.check_value).where(KeyCheck.name == KEY_CHECK_NAME)).scalar()
    if stored is None or stored == current_app.extensions["personal_data"].key_check_value:
        return []
    return ["the restored data was written with another PERSONAL_DATA_KEY than this app's: start the app with the "
            "key from the secrets store that the backed-up server used"]


# --- prune ---------------------------------------------------------------------------------

def prune_backups(directory: Path, keep: int = 14) -> list[Path]:
    """Delete the oldest ``loans-*.tar.gz`` in ``directory`` beyond the newest ``keep`` and
    return the deleted paths, oldest first. Their names carry their UTC time
    (``loans-20260102T020000Z.tar.gz``), so name order is age order."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    archives = sorted(p for p in Path(directory).glob(ARCHIVE_GLOB) if p.is_file())
    doomed = archives[:max(len(archives) - keep, 0)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


# --- the database and its tools ------------------------------------------------------------

def _database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _dialect(url: URL) -> str:
    dialect = url.get_backend_name()
    if dialect not in DATABASE_MEMBER:
        raise Refused(f"backups know SQLite and PostgreSQL databases, not {dialect}")
    return dialect


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise Refused("backups need a SQLite database in a file (sqlite:///path)")
    return Path(url.database).resolve()


def _libpq_url(url: URL) -> str:
    """The URL as libpq reads it: no SQLAlchemy driver, and no password (it goes in
    ``PGPASSWORD``, never on a command line others can list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted((p for p in PG_BIN_DIRS.glob(f"*/bin/{name}") if p.parent.parent.name.isdigit()),
                      key=lambda p: int(p.parent.parent.name), reverse=True)
    if versions:
        return str(versions[0])
    raise BackupFailed(f"{name} not found: install the PostgreSQL client tools, of the server's version or newer")


def _run_pg_tool(args: list[str], url: URL) -> None:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        error = " ".join(result.stderr.strip().splitlines()[-3:]) or "no message"
        raise BackupFailed(f"{Path(args[0]).name} failed (exit {result.returncode}): {error}")
