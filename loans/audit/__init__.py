"""The append-only audit trail: one writer for every state change (SPEC §4, §11)."""
