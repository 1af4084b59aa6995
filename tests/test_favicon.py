"""The favicon (issue 11, item 16): no page load 404s on it. Browsers ask for /favicon.ico
whatever a page links; pages link an SVG icon, the ICO and a touch icon."""
from __future__ import annotations

import re


def test_favicon_ico_is_an_image(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype.startswith("image/")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_every_icon_a_page_links_answers(client):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    links = re.findall(r'<link rel="(icon|apple-touch-icon)" href="([^"]+)"', page)
    assert {rel for rel, _ in links} == {"icon", "apple-touch-icon"}
    assert any(href.endswith(".svg") for _, href in links) and "/favicon.ico" in [href for _, href in links]
    for _, href in links:
        response = client.get(href)
        assert response.status_code == 200, href
        assert response.mimetype.startswith("image/"), (href, response.mimetype)


def test_favicon_needs_no_login(client, login_as):
    assert client.get("/favicon.ico").status_code == 200
    login_as("applicant")
    assert client.get("/favicon.ico").status_code == 200
