"""The graduates roster also gives each person's graduation date (SPEC §15): its entry counts
only when that date is the one the application gives."""
from __future__ import annotations

from datetime import date

import pytest

from loans.core.rosters import entry_counts
from loans.db import db, local_today
from loans.rosters.queries import rostered_groups

GRADUATES = "id_number,name,as_of,valid_until,graduation_date"
JUNE_30, JULY_1 = date(2025, 6, 30), date(2025, 7, 1)

RULE = [  # kind, the roster's graduation date, the application's, counts
    ("graduate", JUNE_30, JUNE_30, True),
    ("graduate", JUNE_30, JULY_1, False),
    ("graduate", JUNE_30, None, False),  # the application gives no date
    ("graduate", None, JUNE_30, False),
    ("graduate", None, None, False),
    ("veteran", None, None, True),  # the other rosters have no date to compare
    ("urban_unemployed", None, JUNE_30, True),
]


@pytest.mark.parametrize(("kind", "roster", "claimed", "counts"), RULE)
def test_the_rule(kind, roster, claimed, counts):
    assert entry_counts(kind, roster, claimed) is counts


CASES = [  # the roster's graduation date, the application's, the graduate group spared its upload
    ("2025-06-30", JUNE_30, True),
    ("2025-06-30", JULY_1, False),
    ("2025-06-30", None, False),
]


@pytest.mark.parametrize(("on_roster", "claimed", "spared"), CASES)
def test_a_graduates_entry_counts_only_with_the_applications_graduation_date(app, make_case, import_roster,
                                                                             on_roster, claimed, spared):
    case = make_case("draft", group="graduate")
    case.graduation_date = claimed
    db.session.commit()
    import_roster("graduate", f"{case.id_number},{case.full_name},2026-01-01,2099-12-31,{on_roster}",
                  header=GRADUATES)
    assert ("graduate" in rostered_groups(case, local_today())) is spared
    from loans.applications.services import missing_items

    assert ("documents" in [step for step, _message in missing_items(case)]) is not spared  # the upload


def test_the_other_rosters_are_not_compared_by_graduation_date(app, make_case, import_roster):
    case = make_case("draft", group="veteran")
    import_roster("veteran", f"{case.id_number},{case.full_name},2026-01-01,2099-12-31")
    assert "veteran" in rostered_groups(case, local_today())
