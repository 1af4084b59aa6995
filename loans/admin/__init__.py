"""Administration: staff accounts (later: reference data, policy versions)."""
