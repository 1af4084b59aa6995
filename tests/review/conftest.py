"""The live server and Chromium of the browser tests, for the case page's browser test."""
from tests.browser.conftest import browser, live_server, new_context  # noqa: F401
