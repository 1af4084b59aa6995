"""Roster files and imports for the rosters' tests."""
from __future__ import annotations

import pytest

HEADER = "id_number,name,as_of,valid_until"


def roster_csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join((header,) + rows) + "\n").encode(encoding)


@pytest.fixture
def import_roster(app):
    """import_roster(kind, *rows, actor=None, name="roster.csv") → the committed import."""
    from loans.db import db
    from loans.rosters.services import import_roster as run

    def go(kind, *rows, actor=None, name="roster.csv", header=HEADER):
        batch = run(kind, name, roster_csv(*rows, header=header), actor=actor)
        db.session.commit()
        return batch

    return go
