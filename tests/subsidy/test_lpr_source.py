"""The subsidy computation names the LPR fixings its lines' LPR₀ are."""
from __future__ import annotations

from datetime import date

from loans.subsidy import services
from tests.subsidy.conftest import AFTER_Q3_2021


def test_lines_and_result_name_the_fixing(computed):
    lines = computed["ICBC-CZ"].lines
    assert lines and {line.lpr_published_on for line in lines} == {date(2020, 4, 20)}  # 3.85 % from 2020-04-20


def test_a_ledger_lpr_that_matches_no_fixing_names_none(app, add_loan):
    from loans.db import db

    add_loan("EX-Z", lpr="3.99")
    result = services.compute_period_subsidy("2021Q3", None, today=AFTER_Q3_2021)
    db.session.commit()
    assert result.latest_lpr_published_on is None
    assert services.current_statement("2021Q3", "ICBC-CZ").lines[0].lpr_published_on is None


def test_cli_and_page_name_it(example_ledger, runner, client, make_user):
    result = runner.invoke(args=["subsidy", "compute", "2021Q3", "--today", AFTER_Q3_2021.isoformat()])
    assert result.exit_code == 0, result.output
    assert "fixings published up to 2020-04-20" in result.output
    from tests.conftest import login

    login(client, make_user("finance"))
    statement = services.current_statement("2021Q3", "ICBC-CZ")
    assert "2020-04-20" in client.get(f"/subsidy/statements/{statement.id}").get_data(as_text=True)
