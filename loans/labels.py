"""User-facing labels of codes (statuses, roles, loan types, …), translated lazily."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "under_review": _l("Under review"),
    "info_requested": _l("Information requested"),
    "recommended": _l("Recommended"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "declined": _l("Declined by bank"),
    "expired": _l("Approval expired"),
    "contracted": _l("Contract signed"),
    "active": _l("Loan active"),
    "overdue": _l("Overdue"),
    "extended": _l("Extended"),
    "settled": _l("Settled"),
    "compensated": _l("Compensated by fund"),
}

ROLE = {
    "applicant": _l("Applicant"),
    "officer": _l("Loan officer"),
    "supervisor": _l("Supervisor"),
    "bank": _l("Bank clerk"),
    "finance": _l("Finance staff"),
    "admin": _l("Administrator"),
    "auditor": _l("Auditor"),
}

LOAN_TYPE = {
    "individual": _l("Individual"),
    "partnership": _l("Partnership"),
    "enterprise": _l("Small or micro enterprise"),
}

EDUCATION = {
    "junior_high_or_below": _l("Junior high school or below"),
    "senior_high": _l("Senior high school"),
    "vocational": _l("Vocational school"),
    "associate": _l("Associate degree (college)"),
    "bachelor": _l("Bachelor's degree"),
    "postgraduate": _l("Postgraduate"),
}

DOCUMENT_KIND = {
    "key_group": _l("Key group evidence"),
    "id_card": _l("Resident ID card"),
    "business_licence": _l("Business licence"),
    "business_plan": _l("Business plan"),
    "other": _l("Other"),
}

RULE_RESULT = {
    "pass": _l("Pass"),
    "fail": _l("Fail"),
    "needs_evidence": _l("Needs evidence"),
    "not_applicable": _l("Not applicable"),
}

AUDIT_ACTION = {
    "create": _l("Application started"),
    "submit": _l("Submitted"),
    "withdraw": _l("Withdrawn"),
    "upload": _l("Document uploaded"),
    "consent": _l("Consent given"),
    "take": _l("Taken for review"),
    "request_info": _l("Information requested"),
    "answer_info": _l("Information provided"),
    "recommend": _l("Recommendation made"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "send_back": _l("Sent back for review"),
    "expire": _l("Approval expired"),
    "eligibility": _l("Eligibility checked"),
    "correct": _l("Application corrected"),
    "evidence": _l("Evidence checked"),
    "note": _l("Internal note added"),
    "reveal_id": _l("Full resident ID shown"),
    "view_document": _l("Sensitive document viewed"),
    "delete_document": _l("Document removed"),
    "letter_revoked": _l("Approval letter revoked"),
    "register": _l("Account registered"),
    "create_user": _l("User created"),
    "prefill": _l("Started from the eligibility pre-check"),
    "policy_version_add": _l("Policy version added"),
    "policy_version_edit": _l("Policy version changed"),
    "policy_version_supersede": _l("Policy version superseded"),
    "lpr_fixing_add": _l("LPR fixing added"),
    "key_group_add": _l("Key group added"),
    "key_group_edit": _l("Key group changed"),
}


def label(table: dict, code) -> str:
    code = getattr(code, "value", code)
    return str(table.get(code, code or ""))

RULE_NAME = {
    "key_group": _l("Key group"),
    "age": _l("Working age"),
    "graduate_window": _l("Graduate window"),
    "amount": _l("Loan amount"),
    "term": _l("Loan term"),
    "loan_history": _l("Earlier loans"),
    "other_loans": _l("Other loans"),
    "credit": _l("Credit record"),
    "place": _l("Business location"),
    "hiring": _l("Key-group hiring"),
    "compliance": _l("Wages and social insurance"),
    "not_employed": _l("Not in a fixed job"),
    "partners": _l("Partners"),
    "duplicate": _l("No other open application"),
}

SUBSIDY_REGIME = {
    "full": _l("Full subsidy (full)"),
    "lpr_margin": _l("LPR minus a margin (lpr_margin)"),
    "rate_share": _l("Share of the rate (rate_share)"),
    "lpr_share": _l("Share of LPR, capped (lpr_share)"),
}
