"""Backups (SPEC §14): one archive holding the database, the uploaded files and a manifest
of what they must add up to; checked by `backup verify` and loaded into an empty database
and an empty upload folder by `backup restore`. Keys are never in a backup."""
