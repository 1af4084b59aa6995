"""The applicant's news (portal notifications): reading a page marks nothing; "Mark as read"
(a POST) does."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from loans.db import db
from loans.notifications.models import Notification
from loans.notifications.services import notify
from tests.applications.conftest import Portal, get_application


def unread(user_id) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None)))


def news_form(page: str) -> str:
    """The "Mark as read" form of a page."""
    return re.search(r'<form method="post" action="[^"]*/notifications/read">.*?</form>', page, re.S).group(0)


def submitted(portal: Portal) -> int:
    app_id = portal.new()
    portal.fill(app_id)
    assert portal.submit(app_id).status_code == 302
    return app_id


def test_reading_the_status_page_marks_nothing_read(portal, client):
    app_id = submitted(portal)
    application = get_application(app_id)
    notify(application.applicant, application, "status", status="under_review")
    db.session.commit()

    for _ in range(2):
        page = client.get(f"/my/applications/{app_id}").get_data(as_text=True)
        assert f"Your application {application.reference} is now: Under review." in page
        assert "Mark as read" in news_form(page)
    page = client.get("/my/applications/").get_data(as_text=True)
    assert "is now: Under review." in page and "Mark as read" in news_form(page)
    assert unread(application.applicant_id) == 1


def test_mark_as_read_on_the_status_page(portal, client, other_portal):
    first, second = submitted(portal), portal.new()
    a, b = get_application(first), get_application(second)
    notify(a.applicant, a, "status", status="under_review")
    notify(b.applicant, b, "status", status="under_review")
    db.session.commit()
    page = client.get(f"/my/applications/{first}").get_data(as_text=True)
    assert b.reference not in page  # a case's page shows only its own news

    # another applicant cannot mark them, nor learn the case exists
    assert other_portal.client.post(f"/my/applications/{first}/notifications/read").status_code == 404
    assert unread(a.applicant_id) == 2

    response = client.post(f"/my/applications/{first}/notifications/read")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/my/applications/{first}")
    page = client.get(f"/my/applications/{first}").get_data(as_text=True)
    assert "is now: Under review." not in page and "Mark as read" not in page
    assert unread(a.applicant_id) == 1  # the other case's news stays
    assert b.reference in client.get("/my/applications/").get_data(as_text=True)


def test_mark_as_read_on_my_applications_keeps_news_that_arrived_since(portal, client):
    app_id = submitted(portal)
    application = get_application(app_id)
    notify(application.applicant, application, "status", status="under_review")
    db.session.commit()
    form = news_form(client.get("/my/applications/").get_data(as_text=True))
    up_to = re.search(r'name="up_to" value="(\d+)"', form).group(1)
    notify(application.applicant, application, "info_requested", message="请补充营业执照")
    db.session.commit()

    response = client.post("/my/applications/notifications/read", data={"up_to": up_to})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/applications/")
    page = client.get("/my/applications/").get_data(as_text=True)
    assert "is now: Under review." not in page
    assert "请补充营业执照" in page  # arrived after the page was shown: still unread
    assert unread(application.applicant_id) == 1


def test_only_applicants_mark_news_read(client, login_as):
    login_as("officer", district_code="431002")
    assert client.post("/my/applications/notifications/read").status_code == 403
