"""Letters: decided cases built through the real services, and a guard that turns any
WeasyPrint warning (or a character the embedded font lacks) into a test failure."""
from __future__ import annotations

import logging

import pytest

from tests.review.conftest import client_for, make_case, staff  # noqa: F401  (fixtures reused)
from tests.helpers import verify_evidence

WATCHED_LOGGERS = ("weasyprint", "loans.letters.render")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_render_warnings():
    """A missing glyph prints as a blank (.notdef); fail instead of shipping such a letter."""
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    messages = [r.getMessage() for r in handler.records]
    assert not messages, f"renderer warnings: {messages}"


@pytest.fixture
def decided(app, make_case, staff):  # noqa: F811
    """decided("approve"|"reject", locale="zh", **case_fields) → (application, letter)."""
    from loans.db import db
    from loans.letters.queries import letters_for
    from loans.review import services as review

    supervisor = staff("supervisor", name="赵审批")

    def make(decision="approve", *, locale="zh", **fields):
        application = _recommended(make_case, decision, **fields)
        application.applicant.locale = locale
        review.decide(application, actor=supervisor, decision=decision)
        db.session.commit()
        (letter,) = letters_for(application)
        return application, letter

    return make


def _recommended(make_case, decision, **fields):  # noqa: F811
    from loans.review import services as review

    application = make_case("under_review", **fields)
    officer = application.assigned_officer
    if decision == "approve":
        verify_evidence(application, officer)
        review.recommend(application, actor=officer, decision="approve", amount=application.amount,
                         term_months=application.term_months, bank_code=application.preferred_bank_code,
                         conditions="按月报送经营情况。")
    else:
        review.recommend(application, actor=officer, decision="reject", failed_rules=["E07"],
                         explanation="配偶有未结清的经营贷款。")
    return application
