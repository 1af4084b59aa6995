from __future__ import annotations


def recorded_evidence(application) -> dict[str, bool]:
    """Rule id → verified, from the officer's evidence checklist."""
    return {}
