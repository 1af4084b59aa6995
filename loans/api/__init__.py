"""JSON APIs under ``/api/v1`` (SPEC §10): CSRF-exempt, answered in JSON, never HTML."""
