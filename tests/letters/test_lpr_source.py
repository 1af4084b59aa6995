"""A new approval letter names the LPR fixing its ceiling uses, so a stale value shows."""
from __future__ import annotations

from decimal import Decimal

import pytest

from loans.letters.render import _rate_rule
from tests.letters.test_letters_pdf import flat, pdf_text


def test_rate_rule_names_the_fixing(decided):
    application, _ = decided("approve", amount=Decimal("100000"))
    # the seed's last fixing is 2025-05-20 (3.00 %), in force on any later decision day
    assert "3.00%（2025年5月20日公布）计算" in _rate_rule(application, "zh")
    assert "(1-year LPR 3.00 %, published on 20 May 2025)" in _rate_rule(application, "en")


@pytest.mark.pdf
def test_the_letter_pdf_shows_it(decided):
    _, letter = decided("approve", locale="en", amount=Decimal("100000"))
    assert flat("2025年5月20日公布") in flat(pdf_text(letter.pdf))
    assert flat("published on 20 May 2025") in flat(pdf_text(letter.translation.pdf))
