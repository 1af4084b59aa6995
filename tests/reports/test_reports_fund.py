"""The reports page's guarantee fund section (SPEC §13): the fund's figures as at the
range's last day and the overdue and claims rates per bank and per district."""
from __future__ import annotations

import re

from tests.helpers import text

RANGE = "from=2021-01-01&to=2021-06-30"


def fund_row(page: str, kind: str, code: str) -> str:
    match = re.search(rf'<tr data-fund-{kind}="{code}">(.*?)</tr>', page, re.S)
    return text(match.group(1)) if match else ""


def test_the_fund_section(as_user, make_user, programme):
    page = as_user(make_user("finance")).get(f"/reports/?{RANGE}").get_data(as_text=True)
    section = text(page[page.index('id="fund"'):])
    assert "Fund balance ¥10,000,000,000.00" in section  # the test fund
    assert "Guaranteed outstanding ¥1,460,000.00" in section
    assert "Leverage (limit 5.00×) 0.00×" in section
    assert "Repayment rate at maturity, 2020 —" in section
    # ICBC: L1 80,000 + L3 80,000 overdue (L3) of 160,000 → 50.00 %; L6's 200,000 repaid, no claim → 0.00 %
    assert fund_row(page, "bank", "ICBC-CZ").endswith("¥160,000.00 50.00 % 0.00 %")
    # ABC: L2 300,000, nothing overdue; nothing repaid or claimed in the window → no claims rate
    assert fund_row(page, "bank", "ABC-CZ").endswith("¥300,000.00 0.00 % —")
    assert fund_row(page, "district", "431003").endswith("¥1,000,000.00 0.00 % 0.00 %")


def test_a_district_supervisor_sees_own_district_rates_only(as_user, make_user, programme):
    page = as_user(make_user("supervisor", district_code="431002")).get(f"/reports/?{RANGE}").get_data(as_text=True)
    assert fund_row(page, "district", "431002") and not fund_row(page, "district", "431003")


def test_the_fund_section_in_chinese(app, make_user, programme):
    from tests.conftest import login

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    login(client, make_user("auditor"))
    page = client.get(f"/reports/?{RANGE}").get_data(as_text=True)
    assert "146万元" in text(page[page.index('id="fund"'):])
