"""Reads of the rosters: the hits for one person on one day, and each kind's summary."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from ..applications import services as application_services
from ..core.rosters import entry_counts
from ..core.workflow import CaseStatus
from ..db import db, local_today
from ..eligibility.models import EvidenceCheck
from .models import RosterEntry, RosterImport
from .parsing import KINDS, clean_name



@dataclass(frozen=True)
class Hit:
    kind: str
    as_of: date
    valid_until: date
    graduation_date: date | None = None  # the graduates roster's


def roster_hits(id_number_hash: str | None, name: str | None, on: date) -> list[Hit]:
    """The kinds whose roster holds this ID with this name (spaces aside) on the day
    ``on`` (as_of ≤ on ≤ valid_until): (kind, as_of, valid_until), in ``KINDS`` order."""
    if not id_number_hash or not name:
        return []
    wanted = clean_name(name)
    rows = db.session.scalars(select(RosterEntry).where(
        RosterEntry.id_number_hash == id_number_hash, RosterEntry.as_of <= on, RosterEntry.valid_until >= on))
    found = {}
    for entry in rows:
        if clean_name(entry.name) == wanted and entry.kind not in found:
            found[entry.kind] = Hit(entry.kind, entry.as_of, entry.valid_until, entry.graduation_date)
    return [found[kind] for kind in KINDS if kind in found]


@application_services.rostered_groups.provide
def rostered_groups(application, on: date) -> dict[str, date]:
    """Claimed key groups found on a roster for the applicant on ``on``: group → as_of (a
    graduates roster's entry only with the application's graduation date)."""
    claimed = set(application.key_group_codes)
    return {hit.kind: hit.as_of for hit in roster_hits(application.id_number_hash, application.full_name, on)
            if hit.kind in claimed and entry_counts(hit.kind, hit.graduation_date, application.graduation_date)}


@dataclass(frozen=True)
class KindSummary:
    kind: str
    size: int
    first_as_of: date | None
    last_as_of: date | None
    last_import: RosterImport | None


def summaries() -> list[KindSummary]:
    counts = {kind: (n, first, last) for kind, n, first, last in db.session.execute(
        select(RosterEntry.kind, func.count(RosterEntry.id), func.min(RosterEntry.as_of), func.max(RosterEntry.as_of))
        .group_by(RosterEntry.kind))}
    last = {}
    for imp in db.session.scalars(select(RosterImport).order_by(RosterImport.id)):
        last[imp.kind] = imp
    return [KindSummary(kind, *counts.get(kind, (0, None, None)), last.get(kind)) for kind in KINDS]


def imported_at(summary: KindSummary) -> datetime | None:
    return summary.last_import.imported_at if summary.last_import else None


def roster_checks(application) -> list[EvidenceCheck]:
    """The evidence checks a roster recorded for the case (one per key group)."""
    if application.id is None:
        return []
    return list(db.session.scalars(select(EvidenceCheck).where(
        EvidenceCheck.application_id == application.id, EvidenceCheck.roster_kind.is_not(None))
        .order_by(EvidenceCheck.id)))


def roster_evidence(application) -> dict[str, date]:
    """Key group → the roster's as-of date: what a roster spares this application. A
    draft is looked up today (the day it would be submitted); a submitted case shows what
    was recorded on its application date."""
    if application.status == CaseStatus.draft.value:
        return rostered_groups(application, local_today())
    return {check.roster_kind: check.roster_as_of for check in roster_checks(application)}
