"""Background jobs (SPEC §14): a row per job that people can see, run by Huey consumers.

``models`` holds the ``jobs`` table; ``kinds`` the registry each package adds its jobs to
(``loans/<package>/jobs.py``); ``runner`` submits, runs, retries and reaps them;
``queue`` builds the Huey instance (SQLite in the instance folder, or Redis) and the
periodic schedule; ``views`` the admin's Jobs page and each job's own page.
"""
