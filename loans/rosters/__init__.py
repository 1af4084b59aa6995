"""Registry rosters (SPEC §15): lists kept by other government systems (registered
unemployed, veterans, poverty-alleviated, disability certificates, graduates) that spare an
applicant the upload of evidence the state already holds."""
