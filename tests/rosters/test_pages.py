"""The admin's rosters page: each kind's roster and an upload per kind (all-or-nothing,
problems listed in place); auditors read it; everyone else 403."""
from __future__ import annotations

import io
from datetime import date

import pytest

from tests.factories import resident_id
from tests.helpers import text
from tests.rosters.conftest import roster_csv

ID_A = resident_id("431002", date(1985, 3, 4), 7)


def upload(client, kind, data, name="roster.csv"):
    return client.post("/admin/rosters/", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_admin_uploads_and_sees_the_roster(app, make_user, as_user):
    admin = make_user("admin", name="管理员甲")
    client = as_user(admin)
    page = text(client.get("/admin/rosters/").get_data(as_text=True))
    assert "Registry rosters" in page and "veterans" in page and "Never imported" in page
    response = upload(client, "veteran", roster_csv(f"{ID_A},张三,2026-10-31,2027-10-31"), name="退役军人.csv")
    assert response.status_code == 303
    page = text(client.get("/admin/rosters/").get_data(as_text=True))
    assert "The roster of veterans was replaced: 1 entries from 退役军人.csv." in page
    assert "退役军人.csv" in page and "管理员甲" in page and "2026-10-31" in page


def test_a_refused_file_lists_its_problems_in_place(app, make_user, as_user):
    client = as_user(make_user("admin"))
    response = upload(client, "disabled", roster_csv(f"{ID_A},,2026-10-31,2027-10-31", f"{ID_A},张三,2026-10-31,2025-01-01"))
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "Nothing was imported" in page
    assert "Row 2, column name: The name is missing." in page
    assert "Row 3, column id_number: This resident ID appears twice in the file (first in row 2)." in page
    assert "Row 3, column valid_until: The valid-until date is before the as-of date." in page
    assert "Never imported" in page


def test_no_file_is_refused_in_place(app, make_user, as_user):
    response = as_user(make_user("admin")).post("/admin/rosters/", data={"kind": "veteran"})
    assert response.status_code == 400 and "Choose a file." in text(response.get_data(as_text=True))


def test_auditor_reads_without_uploading(app, make_user, as_user, import_roster):
    import_roster("graduate", f"{ID_A},张三,2026-10-31,2027-10-31,2025-06-30",
                  header="id_number,name,as_of,valid_until,graduation_date")
    client = as_user(make_user("auditor"))
    page = client.get("/admin/rosters/").get_data(as_text=True)
    assert "graduates" in text(page) and "command line" in text(page) and 'type="file"' not in page
    assert upload(client, "veteran", roster_csv(f"{ID_A},张三,2026-10-31,2027-10-31")).status_code == 403


@pytest.mark.parametrize("role", ["applicant", "officer", "supervisor", "bank", "finance"])
def test_others_are_refused(app, make_user, as_user, role):
    client = as_user(make_user(role, district_code="431002" if role == "officer" else None,
                               bank_code="ICBC-CZ" if role == "bank" else None))
    assert client.get("/admin/rosters/").status_code == 403
    assert upload(client, "veteran", roster_csv(f"{ID_A},张三,2026-10-31,2027-10-31")).status_code == 403


def test_the_page_in_chinese(app, make_user, as_user):
    client = as_user(make_user("admin"))
    client.post("/language", data={"lang": "zh"})
    response = client.get("/admin/rosters/")
    assert response.status_code == 200 and 'lang="zh' in response.get_data(as_text=True)
