"""Approval and rejection letters (SPEC §9): numbered, rendered once at the decision,
stored with their SHA-256, verifiable at ``/verify/<code>``."""
