"""Letter references: sequential per district and year across both kinds, never reused,
distinct under concurrent decisions. No rendering, so these run on PostgreSQL too."""
from __future__ import annotations

import threading

from sqlalchemy import select


def test_sequence_per_district_and_year(app):
    from loans.db import db
    from loans.letters.services import allocate_number, format_reference

    numbers = [allocate_number("431002", 2026) for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert allocate_number("431003", 2026) == 1
    assert allocate_number("431002", 2027) == 1
    db.session.commit()
    assert allocate_number("431002", 2026) == 4
    db.session.rollback()  # a rolled-back decision gives its number back; none is issued twice
    assert allocate_number("431002", 2026) == 4
    assert format_reference("431002", 2026, 4) == "431002-2026-00004"


def test_concurrent_allocations_get_distinct_consecutive_numbers(app):
    from loans.db import db
    from loans.letters.models import LetterSequence
    from loans.letters.services import allocate_number

    flask_app = app
    n = 8
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        with flask_app.app_context():
            try:
                barrier.wait(timeout=10)
                number = allocate_number("431021", 2026)
                db.session.commit()
                results.append(number)
            except Exception as exc:  # pragma: no cover - reported below
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(results) == list(range(1, n + 1))
    db.session.expire_all()
    assert db.session.scalar(select(LetterSequence.last_number).where(
        LetterSequence.district_code == "431021", LetterSequence.year == 2026)) == n


def test_verification_codes_are_unguessable():
    import secrets

    code = secrets.token_urlsafe(16)
    assert len(code) >= 22  # 16 random bytes = 128 bits ≥ 64
