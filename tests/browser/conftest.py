"""A live server for Chromium: the app on a fresh migrated SQLite database, real CSRF,
served by werkzeug in a background thread on 127.0.0.1 and a free port; one Chromium for
the whole session (each test gets fresh contexts, so fresh cookies)."""
from __future__ import annotations

import os
import struct
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import PG_URL, make_app

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "Correct-Horse-42"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def tiny_png() -> bytes:
    """A valid 1×1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x80\x00")) + chunk(b"IEND", b""))


# Real CSRF; static files (Bootstrap, the app's CSS and JS) cached for an hour, as a
# production server in front of the app would, instead of six revalidations on every page.
LIVE_CONFIG = {"WTF_CSRF_ENABLED": True, "SEND_FILE_MAX_AGE_DEFAULT": 3600}


@contextmanager
def serving(app, name: str = "live-server"):
    """Serve ``app`` on 127.0.0.1 and a free port in a background thread; yields its URL."""
    from werkzeug.serving import make_server

    from loans.db import db

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(migrated_template, tmp_path_factory):
    if PG_URL:
        pytest.skip("browser tests run once, on SQLite")
    from loans.auth.services import create_user
    from loans.db import db
    from loans.pdf import build_letter_font

    app = make_app(migrated_template, tmp_path_factory.mktemp("live"), **LIVE_CONFIG)
    with app.app_context():
        # `make install` builds it; a bare `pytest` on a fresh checkout must not spend the
        # first decision's click timeout on it.
        build_letter_font(Path(app.instance_path) / "fonts")
        staff = {
            "officer": create_user(role="officer", email="officer@test.cn", password=PASSWORD, name="Officer Li",
                                   district_code="431002", check_password=False),
            "supervisor": create_user(role="supervisor", email="chief@test.cn", password=PASSWORD,
                                      name="Supervisor Chen", check_password=False),
            "supervisor2": create_user(role="supervisor", email="chief2@test.cn", password=PASSWORD,
                                       name="Supervisor Wang", check_password=False),
            # servicing, subsidy and reports journeys (test_loan_journeys)
            "bank": create_user(role="bank", email="clerk@test.cn", password=PASSWORD, name="Clerk Zhao",
                                bank_code="ICBC-CZ", check_password=False),
            "finance": create_user(role="finance", email="finance@test.cn", password=PASSWORD, name="Finance Sun",
                                   check_password=False),
            "citywide": create_user(role="supervisor", email="city@test.cn", password=PASSWORD,
                                    name="Supervisor Zhou", check_password=False),
        }
        from tests.factories import ensure_test_fund

        ensure_test_fund()  # approvals pass the guarantee fund's check (SPEC §13)
        db.session.commit()
        logins = {k: u.email for k, u in staff.items()}
    with serving(app) as url:
        yield SimpleNamespace(url=url, app=app, logins=logins)


_RUNNING: dict = {}  # the Chromium of this process, whichever conftest's fixture launched it


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process. Another conftest imports this fixture (tests/review),
    which makes it a second session fixture: it borrows the running Chromium, since
    Playwright's sync API cannot run twice at once in one thread."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    # assertions wait as long as actions do (10 s): on a loaded machine a POST and its page
    # can take longer than expect()'s default 5 s, and the check would read the last page
    sync_api.expect.set_options(timeout=10_000)
    if "browser" in _RUNNING:
        yield _RUNNING["browser"]
        return
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        _RUNNING["browser"] = b
        try:
            yield b
        finally:
            del _RUNNING["browser"]
            b.close()


@pytest.fixture
def new_context(browser, live_server):
    """new_context(PHONE | DESKTOP, "zh" | "en") → a fresh browser context (own cookies)."""
    contexts = []

    def make(kind, lang):
        ctx = browser.new_context(base_url=live_server.url, locale="zh-CN" if lang == "zh" else "en-US",
                                  extra_http_headers={"Accept-Language": "zh-CN,zh" if lang == "zh" else "en"},
                                  **kind)
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


OVERFLOWING = """(width) => {
  // Elements whose box, or whose content (a long unbroken word), reaches past the
  // viewport's right edge; innermost first. Wide tables may scroll inside their wrapper.
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-responsive')) continue;
    const r = el.getBoundingClientRect();
    const right = r.left + Math.max(r.width, el.scrollWidth);
    if (right > width + 1 && ![...el.children].some(c => c.getBoundingClientRect().left + Math.max(c.getBoundingClientRect().width, c.scrollWidth) > width + 1)) {
      out.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' ' + Math.round(right) + 'px: ' +
               (el.textContent || '').trim().slice(0, 60));
    }
  }
  return out.length ? out.slice(0, 10) : ['page is ' + document.documentElement.scrollWidth + 'px wide'];
}"""


def overflowing(page) -> list[str]:
    """Elements that stick out of the viewport sideways, so the whole page would scroll.
    (A mobile browser widens its layout viewport to fit them, so compare with the
    device width, not window.innerWidth.) Wide tables may scroll inside their wrapper."""
    return page.evaluate(OVERFLOWING, page.viewport_size["width"])
