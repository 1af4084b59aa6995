#!/usr/bin/env python3
"""Walk every role of a running demo server in Chromium and save screenshots.

    .venv/bin/python tools/walk_screenshots.py --base-url http://127.0.0.1:5000 --out /tmp/walk/shots
    .venv/bin/python tools/walk_screenshots.py --base-url … --roles applicant --sizes phone \\
        --artifacts artifacts/applicant-phone

The server must hold the demo data (`flask --app wsgi demo-data`; password
Demo-Password-2026) and allow many logins (LOANS_LOGIN_RATE_LIMIT="1000/minute",
LOANS_LOGIN_ACCOUNT_RATE_LIMIT="1000/minute"). Each run signs up one new applicant per
language and size (a fresh mobile number and resident ID), who answers the pre-check, fills
in the seven steps, uploads three documents and submits; the staff pages then open that case.
Statements and loans are only looked at: apart from the new applications (and the staff's
language, which the switch remembers) the demo data is left as it was.

--out gets full-page screenshots, <out>/<lang>-<size>/NN-page.png, for reading every page;
--artifacts gets the applicant's journey on a phone as the screen shows it (viewport only,
device scale 1): <artifacts>/<lang>/NN-step.png. Pages that overflow sideways, answer with
an error, or log a console error are listed at the end (exit status 1 if any).
"""
from __future__ import annotations

import argparse
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect, sync_playwright

PASSWORD = "Demo-Password-2026"
SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True,
              "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}, "device_scale_factor": 1},
}
STAFF = {
    "officer": "officer.beihu@demo.czloans.cn",
    "supervisor": "supervisor.beihu@demo.czloans.cn",
    "citywide": "supervisor.city@demo.czloans.cn",
    "bank": "bank.icbc@demo.czloans.cn",
    "finance": "finance@demo.czloans.cn",
    "auditor": "auditor@demo.czloans.cn",
    "admin": "admin@demo.czloans.cn",
}
# Demo applicants with an active ICBC loan: one whose language is Chinese, one English.
LOAN_HOLDER = {"zh": "13800000052", "en": "13800000054"}
# As people type an amount: the pre-check must take both.
AMOUNT_AS_TYPED = {"zh": "20万", "en": "¥200,000.00"}
ROLES = ("public", "applicant", "officer", "supervisor", "citywide", "bank", "finance", "auditor", "admin")

TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png(width: int = 120, height: int = 80) -> bytes:
    """A valid grey PNG (a stand-in for a photographed ID card)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xc8\xc8\xc8" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= document.documentElement.clientWidth) return null;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-responsive')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 1) out.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.'));
  }
  return document.documentElement.scrollWidth + 'px: ' + out.slice(-5).join(', ');
}"""


def resident_id(district: str, born: date, seq: int) -> str:
    """A valid 18-digit resident ID (GB 11643, ISO 7064 MOD 11-2 check digit)."""
    body = f"{district}{born:%Y%m%d}{seq:03d}"
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


class Walk:
    def __init__(self, browser, base_url: str, out: Path, artifacts: Path | None, lang: str, size: str, run: int):
        self.base_url, self.lang, self.size = base_url.rstrip("/"), lang, size
        self.out = out / f"{lang}-{size}"
        self.out.mkdir(parents=True, exist_ok=True)
        self.artifacts = artifacts / lang if artifacts and size == "phone" else None
        if self.artifacts:
            self.artifacts.mkdir(parents=True, exist_ok=True)
        self.browser, self.run = browser, run
        self.count, self.problems, self.case_path = 0, [], None
        self.expected = set()  # paths that are meant to answer with an error (the 404 page, a refusal)

    # -- browser plumbing ------------------------------------------------------------

    def context(self):
        ctx = self.browser.new_context(
            base_url=self.base_url, locale="zh-CN" if self.lang == "zh" else "en-US",
            extra_http_headers={"Accept-Language": "zh-CN,zh" if self.lang == "zh" else "en"},
            reduced_motion="reduce",  # Bootstrap scrolls smoothly otherwise: a screenshot would catch it midway
            **SIZES[self.size])
        ctx.set_default_timeout(15_000)
        page = ctx.new_page()
        page.on("console", lambda m: m.type == "error" and not self.meant(page.url)
                and self.problems.append(f"{page.url}: console: {m.text}"))
        page.on("response", lambda r: r.status >= 400 and r.request.resource_type == "document"
                and not self.meant(r.url) and self.problems.append(f"{r.url}: HTTP {r.status}"))
        return ctx, page

    def meant(self, url: str) -> bool:
        return urlsplit(url).path in self.expected

    def shot(self, page, name: str, *, step: str | None = None, at: str | None = None) -> None:
        """A full-page screenshot for the walk; with ``step``, also the screen as the phone
        shows it (scrolled to ``at`` if given) for the artifacts."""
        page.wait_for_load_state("load")
        self.count += 1
        page.screenshot(path=str(self.out / f"{self.count:02d}-{name}.png"), full_page=True)
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            self.problems.append(f"{self.lang}-{self.size} {name} ({page.url}): overflows sideways, {overflow}")
        if step and self.artifacts:
            page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
            if at:
                page.locator(at).first.evaluate("el => el.scrollIntoView({block: 'start'})")
                page.evaluate("window.scrollBy(0, -40)")
            else:
                page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(self.artifacts / f"{step}.png"))

    def goto(self, page, path: str, name: str, **kw) -> None:
        page.goto(path)
        self.shot(page, name, **kw)

    def use_language(self, page) -> None:
        """The staff's stored language wins at login: switch to the walk's language."""
        if page.locator("html").get_attribute("lang") != ("zh-CN" if self.lang == "zh" else "en"):
            token = page.locator("input[name=csrf_token]").first.get_attribute("value")
            page.request.post("/language", form={"lang": self.lang, "csrf_token": token, "next": "/"})
            page.reload()

    def log_in(self, page, login: str) -> None:
        page.goto("/login")
        page.fill("#login", login)
        page.fill("#password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).not_to_have_url(re.compile(r"/login"))
        self.use_language(page)

    def staff(self, role: str):
        ctx, page = self.context()
        self.log_in(page, STAFF[role])
        return ctx, page

    # -- the journeys ----------------------------------------------------------------

    def public(self) -> None:
        ctx, page = self.context()
        self.goto(page, "/", "home", step="01-home")
        self.goto(page, "/eligibility", "precheck-form")
        self.goto(page, "/login", "login")
        self.expected.add("/no-such-page")
        self.goto(page, "/no-such-page", "not-found")
        ctx.close()

    def applicant(self) -> None:
        ctx, page = self.context()
        n = int(time.time()) % 100_000 * 10 + self.run
        mobile = f"139{n:08d}"
        id_number = resident_id("431002", date(1990, 1 + self.run % 12, 10), n % 1000)

        page.goto("/eligibility")
        page.fill("#id_number", id_number)
        page.check("input[name=key_groups][value=urban_unemployed]")
        page.select_option("#loan_type", "individual")
        page.fill("#amount", AMOUNT_AS_TYPED[self.lang])
        page.fill("#term_months", "36")
        page.select_option("#district_code", "431002")
        page.check("input[name=other_loans][value=no]")
        page.locator("form[action$='/eligibility'] button[type=submit]").click()
        expect(page.locator("#verdict-title")).to_be_visible()
        self.shot(page, "precheck-verdict", step="02-precheck-result")

        page.locator("form[action$='/eligibility/start'] button").first.click()
        expect(page).to_have_url(re.compile(r"/register"))
        page.fill("#name", "刘小梅" if self.lang == "zh" else "Liu Xiaomei")
        page.fill("#login", mobile)
        page.fill("#password", "Plum-Blossom-2026")
        page.fill("#confirm", "Plum-Blossom-2026")
        self.shot(page, "sign-up", step="03-sign-up")
        page.locator("main form button[type=submit]").click()
        self.shot(page, "precheck-resumed")
        page.locator("form[action$='/eligibility/start'] button").first.click()

        expect(page).to_have_url(re.compile(r"/step/person$"))
        self.case_path = re.sub(r"/step/person$", "", page.url)
        page.fill("#full_name", "刘小梅" if self.lang == "zh" else "Liu Xiaomei")
        page.fill("#mobile", mobile)
        page.select_option("#household_district_code", "431002")
        page.select_option("#education", "associate")
        self.shot(page, "step-person", step="04-application-person")
        self.next_step(page, "groups")
        self.shot(page, "step-groups")
        self.next_step(page, "business")
        page.fill("#business_name", "小梅网店" if self.lang == "zh" else "Xiaomei Online Shop")
        page.fill("#business_address", "郴州市北湖区人民路8号")
        page.fill("#industry", "网店零售" if self.lang == "zh" else "online retail")
        page.fill("#business_start_date", "2026-03-01")
        page.fill("#current_staff", "1")
        page.fill("#planned_jobs", "3")
        self.shot(page, "step-business")
        self.next_step(page, "loan")
        page.fill("#purpose", "采购货品和设备" if self.lang == "zh" else "Stock and equipment")
        page.select_option("#preferred_bank_code", "ICBC-CZ")
        self.shot(page, "step-loan", step="05-application-loan")
        self.next_step(page, "declarations")
        for name in ("declares_no_other_loans", "consents_credit_check", "declares_truthful"):
            page.check(f"#{name}")
        self.shot(page, "step-declarations")
        self.next_step(page, "documents")

        page.check("#agree")
        page.locator("form[action$='/consent'] button").click()
        for kind, name, mime, data in (("id_card", "id-card.png", "image/png", png()),
                                       ("key_group:urban_unemployed", "unemployment-registration.pdf",
                                        "application/pdf", TINY_PDF),
                                       ("credit_report", "credit-report.pdf", "application/pdf", TINY_PDF)):
            page.select_option("#kind", kind)
            page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": data}])
            page.locator("form[enctype='multipart/form-data'] button").click()
            expect(page.locator("main")).to_contain_text(name)
        self.shot(page, "step-documents", step="06-documents", at="form[enctype='multipart/form-data']")

        page.goto(self.case_path + "/step/review")
        self.shot(page, "step-review", step="07-review", at="form[action$='/submit']")
        page.locator("form[action$='/submit'] button").click()
        expect(page).to_have_url(re.compile(r"/my/applications/\d+$"))
        self.shot(page, "status-submitted", step="08-status-submitted")
        self.goto(page, "/my/applications/", "my-applications")
        ctx.close()

        ctx, page = self.context()
        self.log_in(page, LOAN_HOLDER[self.lang])
        page.goto("/my/applications/")
        page.locator("main a[href*='/my/applications/']").first.click()
        self.shot(page, "status-with-loan", step="09-status-with-loan")
        if self.artifacts:  # the loan card itself, below the news
            page.locator("section[aria-labelledby=loan-title]").evaluate("el => el.scrollIntoView({block: 'start'})")
            page.evaluate("window.scrollBy(0, -8)")
            page.screenshot(path=str(self.artifacts / "10-loan-card.png"))
        ctx.close()

    def next_step(self, page, step: str) -> None:
        page.locator("button[name=action][value=next]").click()
        expect(page).to_have_url(re.compile(rf"/step/{step}$"))

    def officer(self) -> None:
        ctx, page = self.staff("officer")
        self.pages(page, ("/staff", "officer-home"), ("/review/", "officer-queue"))
        for tab in page.locator("main .nav-tabs a").all()[1:]:  # my cases, closed, loans
            href = tab.get_attribute("href")
            self.goto(page, href, "officer-queue-" + re.sub(r"\W+", "-", href.split("?")[-1]).strip("-"))
        if self.case_path:
            self.goto(page, self.case_path.replace("/my/applications/", "/review/cases/"), "officer-new-case")
            take = page.locator("form[action$='/take'] button")
            if take.count():
                take.click()
                self.shot(page, "officer-new-case-taken")
        self.pages(page, ("/review/cases/26", "officer-info-requested-case"), ("/loans/2", "officer-loan"),
                   ("/reports/", "officer-reports"))
        ctx.close()

    def citywide(self) -> None:
        ctx, page = self.staff("citywide")
        self.pages(page, ("/subsidy/", "citywide-subsidy"), ("/subsidy/statements/3", "citywide-statement-draft"))
        review = page.locator("form[action$='/review'] button[type=submit]")
        if review.count():  # without the confirmation ticked: refused with a message, nothing changes
            self.expected.add("/subsidy/statements/3/review")
            review.first.click()
            self.shot(page, "citywide-statement-review-unconfirmed")
        self.pages(page, ("/reports/", "citywide-reports"))
        ctx.close()

    def auditor(self) -> None:
        ctx, page = self.staff("auditor")
        self.pages(page, ("/staff", "auditor-home"), ("/review/", "auditor-queue"))
        if self.case_path:
            self.goto(page, self.case_path.replace("/my/applications/", "/review/cases/"), "auditor-case-sensitive")
        self.pages(page, *STAFF_PAGES["auditor"])
        ctx.close()

    def pages(self, page, *pages: tuple[str, str]) -> None:
        for path, name in pages:
            self.goto(page, path, name)

    def staff_pages(self, role: str) -> None:
        ctx, page = self.staff(role)
        self.pages(page, *STAFF_PAGES[role])
        ctx.close()


# Demo data ids (flask --app wsgi demo-data): case 33 recommended and 40 approved in Beihu (ICBC),
# 52 with an active loan; loan 2 active, 5 overdue; statement 3 draft, 7 reviewed, 11 approved,
# 15 paid (ICBC).
STAFF_PAGES = {
    "supervisor": (("/staff", "supervisor-home"), ("/review/decisions", "supervisor-decisions"),
                   ("/review/cases/33", "supervisor-recommended-case"),
                   ("/review/cases/40", "supervisor-approved-case")),
    "bank": (("/staff", "bank-home"), ("/loans/", "bank-loans"), ("/loans/2", "bank-loan-active"),
             ("/loans/5", "bank-loan-overdue"), ("/loans/cases/40/contract", "bank-contract-form"),
             ("/subsidy/statements/15", "bank-statement-paid")),
    "finance": (("/subsidy/", "finance-subsidy"), ("/subsidy/periods/2026Q2", "finance-period"),
                ("/subsidy/statements/7", "finance-statement-reviewed"),
                ("/subsidy/statements/15", "finance-statement-paid"), ("/reports/", "finance-reports")),
    "auditor": (("/review/cases/52", "auditor-case-with-loan"), ("/loans/", "auditor-loans"),
                ("/subsidy/statements/11", "auditor-statement-approved"), ("/reports/", "auditor-reports")),
    "admin": (("/staff", "admin-home"), ("/admin/users", "admin-users"),
              ("/admin/policy/versions", "admin-policy-versions"),
              ("/admin/policy/key-groups", "admin-key-groups"), ("/admin/policy/lpr", "admin-lpr"),
              ("/admin/policy/calendar", "admin-calendar"), ("/admin/ledger/", "admin-ledger")),
}


def compress(files: list[Path]) -> None:
    """Quantise the artifacts' colours (pngquant), where it is installed: a third of the size."""
    if files and shutil.which("pngquant"):
        subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--ext", ".png", "--quality", "60-90",
                        *map(str, files)], check=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="the demo server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--out", type=Path, default=Path("/tmp/walk/shots"), help="full-page screenshots")
    parser.add_argument("--artifacts", type=Path, help="the applicant's phone journey, viewport screenshots")
    parser.add_argument("--langs", default="zh,en")
    parser.add_argument("--sizes", default="phone,desktop")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated: " + ", ".join(ROLES))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    roles = args.roles.split(",")
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=["--no-sandbox"])
        run = 0
        for lang in args.langs.split(","):
            for size in args.sizes.split(","):
                run += 1
                walk = Walk(browser, args.base_url, args.out, args.artifacts, lang, size, run)
                for role in ROLES:
                    if role in roles:
                        journey = getattr(walk, role, None)
                        journey() if journey else walk.staff_pages(role)
                problems += walk.problems
                print(f"{lang}-{size}: {walk.count} screenshots in {walk.out}")
        browser.close()
    if args.artifacts:
        compress(sorted(args.artifacts.rglob("*.png")))
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
