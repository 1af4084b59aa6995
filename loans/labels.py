"""User-facing labels of codes (statuses, roles, loan types, …), translated lazily."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, lazy_pgettext

STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "under_review": _l("Under review"),
    "info_requested": lazy_pgettext("status", "Information requested"),
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
    "request_info": lazy_pgettext("action", "Information requested"),
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
    "decline": _l("Declined by the bank"),
    "contract": _l("Loan contract signed"),
    "disburse": _l("Loan paid out"),
    "settle": _l("Loan repaid in full"),
    "become_overdue": _l("Loan overdue"),
    "cure": _l("Overdue loan brought up to date"),
    "compensate": _l("Guarantee fund paid the bank"),
    "extend": _l("Loan extended"),
    "end_extension": _l("Extension ended"),
    "delete_document": _l("Document removed"),
    "letter_revoked": _l("Approval letter revoked"),
    "register": _l("Account registered"),
    "create_user": _l("User created"),
    "change_password": _l("Password changed"),
    "reset_password": _l("Password reset by an administrator"),
    "prefill": _l("Started from the eligibility pre-check"),
    "policy_version_add": _l("Policy version added"),
    "policy_version_edit": _l("Policy version changed"),
    "policy_version_supersede": _l("Policy version superseded"),
    "lpr_fixing_add": _l("LPR fixing added"),
    "key_group_add": _l("Key group added"),
    "key_group_edit": _l("Key group changed"),
    "calendar_day_add": _l("Calendar day added"),
    "calendar_day_edit": _l("Calendar day changed"),
    "calendar_day_remove": _l("Calendar day removed"),
    "calendar_import": _l("Holiday arrangement imported"),
    "disbursement": _l("Disbursement recorded"),
    "repayment": _l("Repayment recorded"),
    "overdue_start": _l("Overdue period started"),
    "overdue_end": _l("Overdue period ended"),
    "extension": _l("Loan extended"),
    "compensation": _l("Guarantee fund paid the bank"),
    "visit": _l("Follow-up visit recorded"),
    "ledger_import": _l("Loan ledger imported"),
    "subsidy_compute": _l("Subsidy statement computed"),
    "subsidy_review": _l("Subsidy statement reviewed"),
    "subsidy_approve": _l("Subsidy statement approved"),
    "subsidy_pay": _l("Subsidy statement marked paid"),
    "subsidy_reopen": _l("Subsidy statement reopened"),
    "subsidy_claim_upload": _l("Bank's subsidy figures uploaded"),
}

LOAN_EVENT = {
    "disbursement": _l("Disbursement"),
    "repayment": _l("Principal repayment"),
    "overdue_start": _l("Overdue from"),
    "overdue_end": _l("No longer overdue from"),
    "extension": _l("Extension (展期)"),
    "compensation": _l("Compensation by the guarantee fund"),
}


def label(table: dict, code) -> str:
    code = getattr(code, "value", code)
    return str(table.get(code, code or ""))

RULE_NAME = {
    "key_group": lazy_pgettext("rule", "Key group"),
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
    "partners": lazy_pgettext("rule", "Partners"),
    "duplicate": _l("No other open application"),
}

SUBSIDY_REGIME = {
    "full": _l("Full subsidy (full)"),
    "lpr_margin": _l("LPR minus a margin (lpr_margin)"),
    "rate_share": _l("Share of the rate (rate_share)"),
    "lpr_share": _l("Share of LPR, capped (lpr_share)"),
}

SNAPSHOT_TRIGGER = {
    "submission": _l("at submission"),
    "rerun": _l("re-run by staff"),
    "answer": _l("after the applicant's answer"),
    "recommendation": _l("at the recommendation"),
    "decision": _l("at the decision"),
}

DETAIL_KEY = {
    "message": _l("Message"),
    "documents": _l("Documents"),
    "reason": _l("Reason"),
    "amount": _l("Amount"),
    "recommendation": _l("Recommendation"),
    "rule": _l("Rule"),
    "verified": _l("Verified"),
    "note": _l("Note"),
    "trigger": _l("Trigger"),
    "policy": _l("Policy version"),
    "eligible": _l("Eligible"),
    "failed": _l("Rules that fail"),
    "step": _l("Step"),
    "changes": _l("Changes"),
    "kind": _l("Kind"),
    "key_group": _l("Key group"),
    "sha256": "SHA-256",
    "document_id": _l("Document"),
    "reference": _l("Reference"),
    "consent": _l("Consent"),
    "text_version": _l("Text version"),
    "valid_until": _l("Valid until"),
}
