"""The applicant's portal: the multi-step form, uploads, submission, status, answers and
withdrawal (blueprint "applications", URLs under /my/applications). It sits above the case
packages it orchestrates: applications (the case and its changes), eligibility (the
evaluation at submission and the previews) and review (information requests)."""
