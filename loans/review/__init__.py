"""Officer review and supervisor decisions."""
