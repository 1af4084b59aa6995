"""The applicant's side: the multi-step application, evidence uploads, status, withdrawal."""
