"""Servicing: the form fields of a loan action. Loans themselves come from the root
conftest (``contracted``, ``approved``, ``bank_user``), built by tests/factories.py."""
from __future__ import annotations


def event_data(kind: str, loan, **values) -> dict:
    """Form fields of one loan action (the forms are prefixed by kind)."""
    data = {f"{kind}-version": str(loan.lock_version)}
    data.update({f"{kind}-{name}": str(value) for name, value in values.items()})
    return data
