"""Bank connection (SPEC §12): per-bank API tokens, idempotent requests, the bank API and
the banks' event files (preview, confirm, reconciliation, the inbox job)."""
