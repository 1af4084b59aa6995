"""When a registry roster's entry counts for an application (SPEC §15), beyond the ID, the
name and its dates (compared by the query): a graduates roster also gives each person's
graduation date, and its entry counts only when that date is the one the application gives."""
from __future__ import annotations

from datetime import date

GRADUATE = "graduate"


def entry_counts(kind: str, roster_graduation: date | None, claimed_graduation: date | None) -> bool:
    """Whether a roster entry of ``kind`` (with its ``graduation_date``) speaks for an
    application that gives ``claimed_graduation``: always for the other kinds; for the
    graduates roster only when both dates are known and equal."""
    if kind != GRADUATE:
        return True
    return roster_graduation is not None and roster_graduation == claimed_graduation
