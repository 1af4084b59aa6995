"""Readers a package declares and a package above it provides (loans/provided.py)."""
from __future__ import annotations

import sys

import pytest

from loans.provided import Provided


def test_a_reader_refuses_to_answer_until_it_is_provided():
    reader = Provided("the answer", "above")
    with pytest.raises(RuntimeError, match="nothing provides the answer: import loans.above"):
        reader()

    @reader.provide
    def answer(x, *, y):
        return x + y

    assert reader(1, y=2) == 3
    assert answer(1, y=2) == 3


def test_the_app_has_every_reader_provided(app):
    readers = {f"{name}.{attr}": value for name, module in list(sys.modules.items()) if name.startswith("loans.")
               for attr, value in vars(module).items() if isinstance(value, Provided)}
    assert "loans.policy.services.policy_code_used" in readers
    assert [name for name, reader in readers.items() if reader._read is None] == []
