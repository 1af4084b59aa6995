"""Where the pure eligibility engine meets the database: facts from records, snapshots."""
