"""Absurd values in query strings and forms get a clear answer, never a server error."""
from __future__ import annotations

import pytest

from tests.conftest import login


@pytest.mark.parametrize("query", [
    "page=99999999999999999999", "page=-5", "page=abc", "submitted_to=9999-12-31", "submitted_from=0001-01-01",
    "amount_min=1e999", "amount_max=99999999999999999999999", "q=%00", "sort=nonsense", "status=nonsense",
])
def test_queue_survives_absurd_filters(client, make_user, query):
    officer = make_user("officer")
    login(client, officer)
    response = client.get(f"/review/?{query}")
    assert response.status_code in (200, 400)


def test_batch_print_ignores_absurd_letter_ids(client, make_user):
    supervisor = make_user("supervisor")
    login(client, supervisor)
    assert client.get("/letters/print?page=99999999999999999999").status_code == 200
    response = client.post("/letters/print", data={"letter_id": ["1" * 30, "-1", "x"]})
    assert response.status_code in (200, 302, 400)


def test_policy_money_has_an_upper_bound(client, make_user):
    admin = make_user("admin")
    login(client, admin)
    page = client.get("/admin/policy/versions/new").get_data(as_text=True)
    assert "individual_max" in page
    response = client.post("/admin/policy/versions/new", data={
        "code": "HN-2099", "effective_from": "2099-01-01", "individual_max": "9" * 25})
    assert response.status_code == 400
    assert "100,000,000" in response.get_data(as_text=True)
