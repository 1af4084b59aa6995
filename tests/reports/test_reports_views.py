"""The reports page and its exports: figures, filters, scope, roles, languages."""
from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.helpers import selected_option, text

RANGE = "from=2021-01-01&to=2021-06-30"
EN_SUMMARY = ("From 2021-01-01 to 2021-06-30, ¥1,630,000.00 of guaranteed loans were issued to support 5 "
              "people to start businesses and 1 small or micro enterprise, which created 32 jobs.")
# SPEC §8: amounts in 万元, dates in 年月日, counts without separators
ZH_SUMMARY = "2021年1月1日至2021年6月30日，全市发放创业担保贷款163万元，扶持5人创业、小微企业1家，带动就业32人。"


def chart_texts(page: str, css_class: str) -> list[str]:
    """The texts of the period chart (the first SVG) with that class, in document order."""
    svg = page[page.index('<svg class="report-chart"'):]
    svg = svg[:svg.index("</svg>")]
    return [html.unescape(t) for t in re.findall(rf'<text class="{css_class}"[^>]*>([^<]*)</text>', svg)]


def headline(page: str) -> dict[str, str]:
    """The headline figures: label → value as shown."""
    block = page[page.index('class="report-figures"'):]
    block = block[:block.index("</dl>")]
    return {text(dt): text(dd) for dt, dd in re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", block, re.S)}


def district_row(page: str, code: str) -> str:
    match = re.search(rf'<tr data-district="{code}">(.*?)</tr>', page, re.S)
    return text(match.group(1)) if match else ""


@pytest.mark.parametrize("role", ["supervisor", "finance", "admin", "auditor", "officer"])
def test_staff_who_report_see_the_page(client, login_as, programme, role):
    login_as(role)
    response = client.get(f"/reports/?{RANGE}")
    assert response.status_code == 200
    assert "Programme statistics" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["applicant", "bank"])
def test_other_roles_are_refused(client, login_as, role):
    login_as(role)
    for path in ("/reports/", "/reports/export.csv", "/reports/export.xlsx"):
        assert client.get(path).status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get(f"/reports/?{RANGE}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_page_shows_the_figures_sentence_table_and_charts(client, login_as, programme):
    login_as("supervisor")
    page = client.get(f"/reports/?{RANGE}").get_data(as_text=True)
    visible = text(page)
    assert EN_SUMMARY in visible
    for figure in ("¥1,630,000.00", "¥1,800.00", "¥1,460,000.00", "¥80,000.00", "5.48 %"):
        assert figure in visible
    assert district_row(page, "431002").split() == [
        "Beihu", "District", "2", "¥430,000.00", "4", "0", "11", "5", "¥1,300.00", "¥460,000.00", "17.39", "%"]
    assert 'role="img"' in page and "<title id=\"chart-periods-title\">Amount issued per month</title>" in page
    assert "<title id=\"chart-districts-title\">Amount issued by district</title>" in page
    assert "<script" not in page.split("</footer>")[0]  # no inline script; Bootstrap's bundle loads after
    assert ' style="' not in page
    assert "href=\"/reports/export.csv?from=2021-01-01&amp;to=2021-06-30\"" in page


def test_quarters_in_the_chart(client, login_as, programme):
    login_as("finance")
    page = client.get(f"/reports/?{RANGE}&period=quarter").get_data(as_text=True)
    assert "Amount issued per quarter" in page
    assert "<title>Q1 2021: ¥1,330,000.00</title>" in page and "<title>Q2 2021: ¥300,000.00</title>" in page
    # two bars leave room to print each value above its bar
    assert chart_texts(page, "report-chart-value") == ["¥1,330,000.00", "¥300,000.00"]
    assert '<tr data-period="2021Q1"><th scope="row">Q1 2021</th>' in page


def test_quarters_in_chinese_are_named_not_coded(client, login_as, programme):
    login_as("finance")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = client.get(f"/reports/?{RANGE}&period=quarter").get_data(as_text=True)
    assert "<title>2021年第一季度：133万元</title>" in page  # the bar's title, with the Chinese colon
    assert '<tr data-period="2021Q2"><th scope="row">2021年第二季度</th>' in page
    # under each column on two lines, so that neighbours never collide
    assert '<tspan x="' in page and ">2021年</tspan>" in page and ">第一季度</tspan>" in page
    assert "2021Q1" not in text(page)


def test_the_page_in_chinese(client, login_as, programme):
    login_as("auditor")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = client.get(f"/reports/?{RANGE}").get_data(as_text=True)
    assert ZH_SUMMARY in text(page)
    assert "北湖区" in page
    assert re.search(r"截至 ?2021年6月30日", text(page))  # dates in prose as the bureau writes them


def test_filters_from_the_query_string(client, login_as, programme):
    login_as("admin")
    page = client.get(f"/reports/?{RANGE}&loan_type=partnership&bank=ABC-CZ").get_data(as_text=True)
    assert ("¥300,000.00 of guaranteed loans were issued to support 3 people to start businesses, "
            "which created 8 jobs.") in text(page)
    assert selected_option(page, "loan_type") == "partnership"
    assert selected_option(page, "bank") == "ABC-CZ"


def test_the_default_range_is_this_year_to_date(client, login_as, programme):
    from loans.db import local_today

    login_as("admin")
    page = client.get("/reports/").get_data(as_text=True)
    today = local_today()
    assert f"From {today.year}-01-01 to {today.isoformat()}," in text(page)


@pytest.mark.parametrize("query, field_id", [
    ("from=2021-07-01&to=2021-06-30", "to"),
    ("from=2021-02-30&to=2021-06-30", "from"),
    ("from=1800-01-01&to=2021-06-30", "from"),
    ("from=2021-01-01&to=2021-06-30&district=999999", "district"),
    ("from=2021-01-01&to=2021-06-30&loan_type=cooperative", "loan_type"),
])
def test_bad_input_is_shown_beside_the_field(client, login_as, programme, query, field_id):
    from tests.helpers import field_error

    login_as("admin")
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, field_id)
    assert "report-summary" not in page
    assert client.get(f"/reports/export.csv?{query}").status_code == 400


@pytest.mark.parametrize("role_kwargs", [{"role": "officer", "district_code": "431002"},
                                         {"role": "supervisor", "district_code": "431002"}])
def test_district_staff_see_their_own_district_whatever_they_ask(client, login_as, programme, role_kwargs):
    login_as(**role_kwargs)
    for query in (RANGE, f"{RANGE}&district=431003", f"{RANGE}&district="):
        page = client.get(f"/reports/?{query}").get_data(as_text=True)
        assert 'data-district="431002"' in page and 'data-district="431003"' not in page
        assert "¥430,000.00 of guaranteed loans" in text(page)
        assert selected_option(page, "district") == "431002"
        assert '<option value="431003"' not in page
    rows = list(csv.reader(io.StringIO(
        client.get(f"/reports/export.csv?{RANGE}&district=431003").get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[2] for row in rows[1:]] == ["431002", "total"]


def test_a_city_wide_supervisor_sees_every_district(client, login_as, programme):
    login_as("supervisor")
    page = client.get(f"/reports/?{RANGE}&district=431003").get_data(as_text=True)
    assert 'data-district="431003"' in page and 'data-district="431002"' not in page


def test_csv_export(client, login_as, programme):
    login_as("finance")
    response = client.get(f"/reports/export.csv?{RANGE}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # once, not doubled
    assert "report-2021-01-01-2021-06-30.csv" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Chinese Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0]) == ["from", "to", "district_code", "district_name", "loans_issued", "amount_issued",
                             "people_supported", "enterprises_supported", "jobs_declared", "jobs_verified",
                             "subsidy_paid", "outstanding_balance", "overdue_balance", "overdue_rate"]
    assert len(rows) == 12
    assert rows[0] == {"from": "2021-01-01", "to": "2021-06-30", "district_code": "431002",
                       "district_name": "Beihu District", "loans_issued": "2", "amount_issued": "430000.00",
                       "people_supported": "4", "enterprises_supported": "0", "jobs_declared": "11",
                       "jobs_verified": "5", "subsidy_paid": "1300.00", "outstanding_balance": "460000.00",
                       "overdue_balance": "80000.00", "overdue_rate": "17.39"}
    assert rows[-2]["overdue_rate"] == ""  # nothing outstanding in Zixing
    total = rows[-1]
    assert (total["district_code"], total["loans_issued"], total["amount_issued"], total["subsidy_paid"],
            total["overdue_rate"]) == ("total", "4", "1630000.00", "1800.00", "5.48")


def test_csv_export_in_chinese_names_districts_in_chinese(client, login_as, programme):
    login_as("finance")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    body = client.get(f"/reports/export.csv?{RANGE}&district=431003").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][2:5] == ["431003", "苏仙区", "2"]
    assert rows[2][2:4] == ["total", "合计"]


def test_xlsx_export(client, login_as, programme):
    from decimal import Decimal

    login_as("auditor")
    response = client.get(f"/reports/export.xlsx?{RANGE}&bank=ICBC-CZ")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book["by_district"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("from", "to", "district_code", "district_name", "loans_issued", "amount_issued")
    beihu = dict(zip(rows[0], rows[1]))
    assert beihu["district_code"] == "431002" and beihu["loans_issued"] == 1
    assert Decimal(str(beihu["amount_issued"])) == Decimal("130000")
    assert sheet.cell(2, 6).number_format == "#,##0.00"
    total = dict(zip(rows[0], rows[-1]))
    assert total["district_code"] == "total" and total["loans_issued"] == 2
    assert Decimal(str(total["subsidy_paid"])) == Decimal("1800")
    summary = {key: value for key, value in book["summary"].iter_rows(values_only=True)}
    assert summary["bank"] == "ICBC-CZ"
    assert summary["summary"].startswith("From 2021-01-01 to 2021-06-30, ¥330,000.00 of guaranteed loans")


@pytest.mark.parametrize("role, shown", [("officer", True), ("supervisor", True), ("finance", True),
                                         ("admin", True), ("auditor", True), ("bank", False), ("applicant", False)])
def test_the_nav_links_to_reports_for_reporting_roles(client, login_as, role, shown):
    login_as(role)
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert ('href="/reports/"' in page) == shown


# --- the monthly chart: a value axis, and every value as text --------------------------------

def test_the_monthly_chart_has_a_value_axis_and_each_bars_value(client, login_as, programme):
    login_as("supervisor")
    page = client.get(f"/reports/?{RANGE}").get_data(as_text=True)
    # largest month ¥1,000,000 (March): round ticks of ¥500,000, whole yuan in English
    assert chart_texts(page, "report-chart-tick") == ["0", "¥500,000", "¥1,000,000"]
    assert chart_texts(page, "report-chart-label")[0] == "2021-01"
    for month, amount in (("2021-01", "¥230,000.00"), ("2021-02", "¥100,000.00"), ("2021-03", "¥1,000,000.00"),
                          ("2021-04", "¥0.00"), ("2021-06", "¥300,000.00")):
        assert f"<title>{month}: {amount}</title>" in page  # each bar says its value
        row = re.search(rf'<tr data-period="{month}">(.*?)</tr>', page, re.S)
        assert row and amount in text(row.group(1))  # and the table beside the chart has it too
    assert 'class="report-chart-grid"' in page


def test_the_chart_axis_and_headline_figures_in_chinese(client, login_as, programme):
    login_as("finance")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = client.get(f"/reports/?{RANGE}").get_data(as_text=True)
    assert chart_texts(page, "report-chart-tick") == ["0", "50万元", "100万元"]
    assert "<title>2021-03：100万元</title>" in page and "<title>2021-01：23万元</title>" in page  # Chinese colon
    figures = headline(page)
    assert figures["发放金额"] == "163万元"
    assert figures["贷款余额"] == "146万元" and figures["逾期贷款余额"] == "8万元"
    assert figures["发放笔数"] == "4" and figures["逾期率"] == "5.48 %"
    assert "1800元" in figures.values()  # subsidy paid, below 1万: exact yuan
    # the tables keep full figures to the fen
    assert district_row(page, "431002").split()[:4] == ["北湖区", "2", "¥430,000.00", "4"]
    assert "¥1,630,000.00" in text(page.split("<tfoot>")[1])
    assert re.search(r'<tr data-period="2021-03">.*?¥1,000,000\.00', page, re.S)
    # and the district chart speaks the reader's style too
    assert "<title>苏仙区：120万元</title>" in page


def test_one_districts_chinese_sentence_names_it(client, login_as, programme):
    login_as("officer", district_code="431003")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = text(client.get(f"/reports/?{RANGE}").get_data(as_text=True))
    assert "2021年1月1日至2021年6月30日，苏仙区发放创业担保贷款120万元，扶持1人创业、小微企业1家，带动就业21人。" in page


# --- the table for people, beside the fixed-column files --------------------------------------

EN_TABLE_HEADER = ["District", "Loans issued", "Amount issued (yuan)", "People supported", "Enterprises supported",
                   "Jobs declared", "Jobs verified at visits", "Subsidy paid (yuan)", "Outstanding balance (yuan)",
                   "Overdue balance (yuan)", "Overdue rate (%)"]
ZH_TABLE_HEADER = ["县市区", "发放笔数", "发放金额（元）", "扶持创业人数", "扶持小微企业数", "申报带动就业人数",
                   "回访核实带动就业人数", "已拨付贴息（元）", "贷款余额（元）", "逾期贷款余额（元）", "逾期率（%）"]


def _table_csv(client, query=RANGE) -> list[list[str]]:
    response = client.get(f"/reports/table.csv?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data().startswith(b"\xef\xbb\xbf")  # Chinese Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _assert_totals_are_the_sums(header, rows, total):
    for i, name in enumerate(header[1:-1], start=1):  # every figure but the derived rate
        column = [Decimal(row[i]) for row in rows]
        assert Decimal(total[i]) == sum(column), name


def test_the_table_for_people_in_english(client, login_as, programme):
    login_as("finance")
    rows = _table_csv(client)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header == EN_TABLE_HEADER
    assert len(body) == 11 and body[0][:3] == ["Beihu District", "2", "430000.00"]
    assert total[0] == "Total"
    _assert_totals_are_the_sums(header, body, total)
    assert total[1:4] == ["4", "1630000.00", "5"] and total[7] == "1800.00" and total[-1] == "5.48"
    assert body[-1][-1] == ""  # nothing outstanding in Zixing: no rate


def test_the_table_for_people_in_chinese(client, login_as, programme):
    login_as("supervisor")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    rows = _table_csv(client, f"{RANGE}&bank=ICBC-CZ")
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header == ZH_TABLE_HEADER
    assert body[0][0] == "北湖区" and total[0] == "合计"
    _assert_totals_are_the_sums(header, body, total)


def test_the_people_workbook_has_a_title_units_and_a_totals_row(client, login_as, programme):
    login_as("auditor")
    response = client.get(f"/reports/table.xlsx?{RANGE}&loan_type=individual")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "report-2021-01-01-2021-06-30-table.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Programme statistics, 2021-01-01 to 2021-06-30 · Loan type: Individual"
    assert list(rows[2]) == EN_TABLE_HEADER
    body, total = rows[3:-1], rows[-1]
    assert total[0] == "Total" and sheet.cell(sheet.max_row, 1).font.b
    for i in range(1, 10):
        assert Decimal(str(total[i])) == sum(Decimal(str(row[i])) for row in body)
    assert sheet.cell(4, 3).number_format == "#,##0.00" and isinstance(sheet.cell(4, 2).value, int)
    assert sheet.freeze_panes == "A4"


def test_the_fixed_column_files_keep_their_headers(client, login_as, programme):
    login_as("finance")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    body = client.get(f"/reports/export.csv?{RANGE}").get_data().decode("utf-8-sig")
    assert body.splitlines()[0] == ("from,to,district_code,district_name,loans_issued,amount_issued,people_supported,"
                                    "enterprises_supported,jobs_declared,jobs_verified,subsidy_paid,"
                                    "outstanding_balance,overdue_balance,overdue_rate")


def test_the_page_links_both_kinds_of_download(client, login_as, programme):
    login_as("admin")
    page = client.get(f"/reports/?{RANGE}").get_data(as_text=True)
    for path in ("table.xlsx", "table.csv", "export.csv", "export.xlsx"):
        assert f'href="/reports/{path}?from=2021-01-01&amp;to=2021-06-30"' in page


def test_a_range_without_loans_draws_the_zero_line_alone(client, login_as, programme):
    login_as("finance")
    page = client.get("/reports/?from=2020-01-01&to=2020-03-31").get_data(as_text=True)
    assert chart_texts(page, "report-chart-tick") == ["0"]
    assert "<title>2020-02: ¥0.00</title>" in page
