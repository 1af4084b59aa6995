"""Importing a roster (SPEC §15): all-or-nothing, each import replaces that kind's roster."""
from __future__ import annotations

import hashlib

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, text

from ..audit.services import record
from ..core import resident_id
from ..db import db, local_today
from ..errors import Refused
from ..eligibility import services as eligibility_services
from ..eligibility.models import EvidenceCheck
from ..personal_data import vault
from . import queries
from .models import RosterEntry, RosterImport
from .parsing import parse
from .queries import KINDS

# Imports one at a time (PostgreSQL advisory lock key, any constant): two imports of a kind
# at once would each delete only the entries they saw, and leave both files' entries.
IMPORT_LOCK_KEY = 431_000_020
ROSTER_RULE = "E01"  # the key-group rule: a roster is the evidence of the claimed group


def import_roster(kind: str, file_name: str, data: bytes, *, actor=None) -> RosterImport:
    """Replace the roster of ``kind`` with the file's rows, or raise ``RosterRefused``
    (nothing changed). The import is recorded and audited."""
    if kind not in KINDS:
        raise Refused(_l("There is no roster of this kind."), "kind")
    rows = parse(data, kind, local_today())
    if db.session.get_bind().dialect.name == "postgresql":  # SQLite: the DELETE below takes the write lock
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
    replaced = db.session.scalar(select(func.count(RosterEntry.id)).where(RosterEntry.kind == kind))
    db.session.execute(delete(RosterEntry).where(RosterEntry.kind == kind))
    batch = RosterImport(kind=kind, file_name=file_name[:200], sha256=hashlib.sha256(data).hexdigest(),
                         row_count=len(rows), imported_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    the_vault = vault()
    db.session.add_all(RosterEntry(
        kind=kind, import_id=batch.id, id_number=row.id_number, id_number_hash=the_vault.lookup_hash(row.id_number),
        id_number_masked=resident_id.mask(row.id_number), name=row.name, as_of=row.as_of,
        valid_until=row.valid_until, graduation_date=row.graduation_date) for row in rows)
    record("roster_import", batch, actor=actor, key_group=kind, file=batch.file_name, sha256=batch.sha256,
           entries=len(rows), entries_replaced=replaced)
    return batch


@eligibility_services.record_roster_evidence.provide
def record_roster_evidence(application, on, *, actor=None) -> list[EvidenceCheck]:
    """For each claimed key group a roster shows on ``on`` (the application date), the
    evidence check "verified by roster (as of DATE)", once per group (rule E01: the key
    group; no officer recorded it)."""
    found = queries.rostered_groups(application, on)
    if not found:
        return []
    done = set(db.session.scalars(select(EvidenceCheck.roster_kind).where(
        EvidenceCheck.application_id == application.id, EvidenceCheck.roster_kind.is_not(None))))
    checks = []
    for kind, as_of in found.items():
        if kind in done:
            continue
        check = EvidenceCheck(application_id=application.id, rule_id=ROSTER_RULE, verified=True, note="",
                              checked_by_id=None, roster_kind=kind, roster_as_of=as_of)
        db.session.add(check)
        record("roster_evidence", application, actor=actor, rule=ROSTER_RULE, verified=True, key_group=kind,
               roster_as_of=as_of.isoformat())
        checks.append(check)
    return checks
