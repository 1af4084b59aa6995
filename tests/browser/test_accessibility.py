"""WCAG 2.1 AA in Chromium (issue 12): axe-core over every role's pages, in both languages,
on a phone and a desktop. Any serious or critical violation fails, with no rule disabled
and nothing excluded. The server holds the demo data, so every page shows real states:
drafts and decisions, loans late and repaid, statements in every status."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.browser.conftest import DESKTOP, LIVE_CONFIG, PHONE, serving
from tests.conftest import PG_URL, make_app

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
PASSWORD = "Demo-Password-2026"


@pytest.fixture(scope="module")
def demo_server(migrated_template, tmp_path_factory):
    if PG_URL:
        pytest.skip("browser tests run once, on SQLite")
    from loans.db import db
    from loans.demo import load_demo_data
    from loans.pdf import build_letter_font

    app = make_app(migrated_template, tmp_path_factory.mktemp("a11y"), **LIVE_CONFIG)
    with app.app_context():
        build_letter_font(Path(app.instance_path) / "fonts")
        load_demo_data(echo=lambda *a: None)
        pages = _pages_by_role(db)
    with serving(app, "a11y-server") as url:
        yield SimpleNamespace(url=url, pages=pages)


def _pages_by_role(db) -> dict[str, tuple[str | None, list[str]]]:
    """Role → (login, paths to audit). Ids come from the demo data, one per state."""
    from loans.applications.models import LoanApplication
    from loans.auth.models import User
    from loans.core.workflow import LOAN_STATUSES, CaseStatus
    from loans.letters.models import Letter
    from loans.servicing.models import Loan
    from loans.subsidy.models import SubsidyStatement

    def case_in(status, district="431002"):
        return db.session.scalar(select(LoanApplication).where(
            LoanApplication.status == status, LoanApplication.district_code == district).order_by(LoanApplication.id))

    by_status = {s: case_in(s) for s in CaseStatus if s not in LOAN_STATUSES}
    cases = [c for c in by_status.values() if c is not None]
    staff_cases = [f"/review/cases/{c.id}" for c in cases if c.status != CaseStatus.draft]
    beihu_icbc = (Loan.district_code == "431002", Loan.bank_code == "ICBC-CZ")  # seen by every staff role here
    loan = db.session.scalar(select(Loan).where(*beihu_icbc, Loan.application_id.is_not(None)).order_by(Loan.id))
    late = db.session.scalar(select(Loan).where(*beihu_icbc, Loan.status == CaseStatus.overdue).order_by(Loan.id)) or loan
    statements = db.session.scalars(select(SubsidyStatement).order_by(SubsidyStatement.id)).all()
    letter = db.session.scalar(select(Letter).order_by(Letter.id))
    icbc_approved = db.session.scalar(select(LoanApplication).where(
        LoanApplication.status == CaseStatus.approved, LoanApplication.approved_bank_code == "ICBC-CZ"))
    draft = by_status[CaseStatus.draft]
    from loans.fund.models import CompensationClaim

    claim = db.session.scalar(select(CompensationClaim).where(CompensationClaim.district_code == "431002",
                                                              CompensationClaim.recoveries.any())
                              .order_by(CompensationClaim.id))

    def login_of(case):
        return db.session.get(User, case.applicant_id).login_name

    applicant_pages = ["/my/applications/", "/account/password"]
    applicant_pages += [f"/my/applications/{draft.id}/step/{step}" for step in
                        ("person", "groups", "business", "loan", "declarations", "documents", "review")]
    applicant_pages.append(f"/my/applications/{draft.id}")
    pages = {
        "public": (None, ["/", "/login", "/register", "/eligibility", f"/verify/{letter.verification_code}",
                          "/verify/not-a-code", "/no-such-page"]),
        "applicant": (login_of(draft), applicant_pages),
        "applicant_with_loan": (login_of(loan.application), ["/my/applications/",
                                                             f"/my/applications/{loan.application_id}"]),
        "officer": ("officer.beihu@demo.czloans.cn",
                    ["/staff", "/review/", "/review/?view=mine", "/review/?view=closed", "/review/?view=loans",
                     *staff_cases, "/loans/", f"/loans/{late.id}", "/reports/", "/claims/"]),
        "supervisor": ("supervisor.city@demo.czloans.cn",
                       ["/staff", "/review/", "/review/decisions", "/letters/print", "/subsidy/",
                        *staff_cases[:4], "/reports/", "/fund/", f"/claims/{claim.id}"]),
        "bank": ("bank.icbc@demo.czloans.cn",
                 ["/loans/", f"/loans/{loan.id}", f"/loans/{late.id}", "/subsidy/",
                  *([f"/loans/cases/{icbc_approved.id}/contract"] if icbc_approved else []),
                  "/fund/bank", "/claims/", "/bank/files"]),
        "finance": ("finance@demo.czloans.cn",
                    ["/subsidy/", *(f"/subsidy/statements/{s.id}" for s in statements[:3]),
                     *sorted({f"/subsidy/periods/{s.period}" for s in statements})[:2], "/reports/",
                     "/fund/movements", "/claims/?tab=approved"]),
        "auditor": ("auditor@demo.czloans.cn", ["/review/", *staff_cases[:3], "/loans/", f"/loans/{loan.id}",
                                                "/fund/"]),
        "admin": ("admin@demo.czloans.cn",
                  ["/admin/users", "/admin/policy/versions", "/admin/policy/versions/new",
                   "/admin/policy/key-groups", "/admin/policy/key-groups/new", "/admin/policy/lpr",
                   "/admin/policy/calendar", "/admin/ledger/", "/admin/jobs", "/admin/bank-tokens/"]),
    }
    return pages


@pytest.fixture(scope="module")
def axe_browser(browser):
    """The session's Chromium, with axe-core at hand."""
    pytest.importorskip("axe_playwright_python")
    return browser


# Only the violations are read, so axe details no other kind of result (a passing rule
# keeps one node, not all of them: half the time of a run on a long page). Every rule of
# the tags still runs, and violations are reported in full.
AXE_OPTIONS = json.dumps({"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})


def audit(page) -> list[str]:
    """Serious and critical WCAG 2.x A/AA violations on the page, one line per element."""
    from axe_playwright_python.base import AXE_SCRIPT

    # axe-core, as axe_playwright_python injects it, inside a function so that nothing
    # is sent back; then the run.
    page.evaluate("() => {\n" + AXE_SCRIPT + "\n}")
    response = page.evaluate(f"axe.run({AXE_OPTIONS})")
    out = []
    for v in response["violations"]:
        if v["impact"] in BLOCKING:
            for node in v["nodes"]:
                out.append(f"{v['id']} ({v['impact']}) {', '.join(map(str, node['target']))}: "
                           f"{node.get('failureSummary', '').splitlines()[-1].strip()[:160]}")
    return out


FAILED_SUBMITS = {"public": ["/register", "/eligibility", "/login"], "applicant": ["/account/password"]}
NOT_FOUND = {"/no-such-page", "/verify/not-a-code"}
ROLES = ["public", "applicant", "applicant_with_loan", "officer", "supervisor", "bank", "finance", "auditor", "admin"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("role", ROLES)
def test_no_serious_wcag_violations(demo_server, axe_browser, role, size, lang):
    login, paths = demo_server.pages[role]
    ctx = axe_browser.new_context(base_url=demo_server.url, locale="zh-CN" if lang == "zh" else "en-US",
                                  extra_http_headers={"Accept-Language": "zh-CN,zh" if lang == "zh" else "en"},
                                  **(PHONE if size == "phone" else DESKTOP))
    ctx.set_default_timeout(15_000)
    try:
        page = ctx.new_page()
        if login:
            page.goto("/login")
            page.fill("input[name=login]", login)
            page.fill("input[name=password]", PASSWORD)
            page.locator("main form button[type=submit]").first.click()  # the password form (then the SMS code form)
            page.wait_for_load_state()
            assert "/login" not in page.url, f"{login} could not log in"
        found = {}
        for path in paths:
            response = page.goto(path)
            assert response.ok or path in NOT_FOUND, f"{path} answered {response.status}"
            problems = audit(page)
            if problems:
                found[path] = problems
        for path in FAILED_SUBMITS.get(role, ()):  # the page again with its errors
            page.goto(path)
            page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
            page.locator("main form button[type=submit]").last.click()
            page.wait_for_load_state()
            problems = audit(page)
            if problems:
                found[f"{path} (refused)"] = problems
        assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(p) for path, p in found.items())
    finally:
        ctx.close()


# --- the focus indicator (axe does not check it) ---------------------------------------------

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  let bg = null;
  for (let n = el.parentElement; n; n = n.parentElement) {   // what the ring is drawn on
    const c = getComputedStyle(n).backgroundColor;
    if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; }
  }
  return {what: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') +
                ' ' + (el.textContent || el.getAttribute('name') || '').trim().slice(0, 30),
          outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth), outlineColor: cs.outlineColor,
          boxShadow: cs.boxShadow, background: bg || 'rgb(255, 255, 255)'};
}"""


def _rgb(text: str) -> tuple[float, float, float]:
    r, g, b = (float(x) for x in text[text.index("(") + 1:text.index(")")].split(",")[:3])
    return r, g, b


def _luminance(rgb) -> float:
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_helper_matches_wcag():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(203, 152, 152)", "rgb(139, 26, 26)"), 2) == 3.75  # the old menu links


def focus_problems(style: dict) -> str | None:
    """None when the focused element's ring is at least 2 px and one of its colours reaches 3:1
    against what it is drawn on (and, for a two-colour ring, the colours differ by 9:1)."""
    colours = []
    if style["outlineStyle"] != "none" and style["outlineWidth"] >= 2:
        colours.append(style["outlineColor"])
    shadow = style["boxShadow"]
    if shadow and shadow != "none" and shadow.startswith("rgb"):
        colours.append(shadow[:shadow.index(")") + 1])
    if not colours:
        return f"{style['what']}: no focus ring"
    best = max(contrast(c, style["background"]) for c in colours)
    if best < 3:
        return f"{style['what']}: focus ring {colours} only {best:.2f}:1 on {style['background']}"
    if len(colours) == 2 and contrast(*colours) < 9 and min(contrast(c, style["background"]) for c in colours) < 3:
        return f"{style['what']}: the ring's two colours differ by only {contrast(*colours):.2f}:1"
    return None


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_control_shows_a_strong_focus_ring(demo_server, axe_browser, size):
    """Tab through public and officer pages: every focused control has a ring of ≥ 3:1
    (WCAG 1.4.11), on white, on the yellow notices and on the brand-red menu bar."""
    ctx = axe_browser.new_context(base_url=demo_server.url, locale="en-US", extra_http_headers={"Accept-Language": "en"},
                                  **(PHONE if size == "phone" else DESKTOP))
    ctx.set_default_timeout(15_000)
    problems, seen = [], 0
    try:
        page = ctx.new_page()
        login, officer_pages = demo_server.pages["officer"]
        for path in ["/", "/eligibility", "/login"]:
            problems += _tab_through(page, path)
        page.goto("/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").first.click()  # the password form (then the SMS code form)
        page.wait_for_load_state()
        for path in [p for p in officer_pages if p.startswith("/review/cases/")][:2] + ["/review/", "/reports/"]:
            found = _tab_through(page, path)
            problems += found
            seen += 1
    finally:
        ctx.close()
    assert seen and not problems, "\n".join(problems)


def _tab_through(page, path: str, limit: int = 80) -> list[str]:
    page.goto(path)
    problems, first = [], None
    for _ in range(limit):
        page.keyboard.press("Tab")
        style = page.evaluate(FOCUS_STYLE)
        if style is None:
            continue
        if style["what"] == first:
            break  # back at the start: every control was visited
        first = first or style["what"]
        problem = focus_problems(style)
        if problem:
            problems.append(f"{path}: {problem}")
    return problems
