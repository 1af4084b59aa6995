"""The contract page names the LPR fixing today's LPR₀ and ceiling come from."""
from __future__ import annotations

from datetime import date

from tests.helpers import text


def test_contract_page_names_todays_fixing(approved, bank_user, as_user):
    case = approved(decided_on=date(2025, 6, 1))
    page = text(as_user(bank_user).get(f"/loans/cases/{case.id}/contract").get_data(as_text=True))
    assert "LPR fixing of 2025-05-20" in page
