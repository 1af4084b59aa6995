"""User-facing labels of codes (statuses, roles, loan types, …), translated lazily."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, lazy_pgettext

from .core.eligibility import RULE_NAMES

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
    "written_off": _l("Written off"),
}

ROLE = {
    "applicant": _l("Applicant"),
    "officer": _l("Loan officer"),
    "supervisor": _l("Supervisor"),
    "bank": _l("Bank clerk"),
    "finance": _l("Finance staff"),
    "admin": _l("Administrator"),
    "auditor": _l("Auditor"),
    "community": _l("Community worker"),
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
    "credit_report": _l("Personal credit report"),
    "social_insurance_record": _l("Social insurance record"),
    "other": _l("Other"),
}

RULE_RESULT = {
    "pass": _l("Pass"),
    "fail": _l("Fail"),
    "needs_evidence": _l("Needs evidence"),
    "not_applicable": _l("Not applicable"),
}

# What a one-time SMS code is for (loans/auth/codes.py).
SMS_CODE_PURPOSE = {"login": _l("Logging in"), "registration": _l("Registering"),
                    "confirm_case": _l("Confirming a case")}
# how a person confirmed an application a community worker filed for them
CONFIRMED_WITH = {"code": _l("A code sent to the entrepreneur's mobile"), "scan": _l("A signed form, scanned")}

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
    "sms_code_sent": _l("One-time SMS code sent"),
    "person_confirmed": _l("Confirmed by the entrepreneur"),
    "partner_confirmed": _l("Confirmed by a partner"),
    "take_over": _l("Taken over by the entrepreneur"),
    "login_by_code": _l("Logged in with an SMS code"),
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
    "roster_import": _l("Registry roster imported"),
    "roster_evidence": _l("Key group verified by a registry roster"),
    "bank_token_issued": _l("Bank API token issued"),
    "bank_token_revoked": _l("Bank API token revoked"),
    "bank_file_confirmed": _l("Bank file confirmed"),
    "bank_ref_attached": _l("Bank reference added to a recorded event"),
    "overdue_start_replaced": _l("Overdue start moved to the date in the file"),
    "subsidy_compute": _l("Subsidy statement computed"),
    "subsidy_review": _l("Subsidy statement reviewed"),
    "subsidy_approve": _l("Subsidy statement approved"),
    "subsidy_pay": _l("Subsidy statement marked paid"),
    "subsidy_reopen": _l("Subsidy statement reopened"),
    "subsidy_claim_upload": _l("Bank's subsidy figures uploaded"),
    "write_off": _l("Loan written off"),
    "claim_file": _l("Compensation claim filed"),
    "claim_check": _l("Compensation claim checked"),
    "claim_approve": _l("Compensation claim approved"),
    "claim_pay": _l("Compensation claim paid"),
    "claim_cancel": _l("Compensation claim cancelled"),
    "claim_complete": _l("Earlier compensation given its voucher"),
    "recovery": _l("Recovery recorded"),
    "write_off_propose": _l("Write-off proposed"),
    "write_off_approve": _l("Write-off approved"),
    "write_off_refuse": _l("Write-off refused"),
    "fund_movement": _l("Guarantee fund movement recorded"),
    "bank_paused": _l("Bank paused: no new approvals"),
    "bank_pause_lifted": _l("Bank's pause lifted"),
    "fund_override": _l("Approved over the fund check"),
    "outbox_retried": _l("Failed message sent again"),
}

LOAN_EVENT = {
    "disbursement": _l("Disbursement"),
    "repayment": _l("Principal repayment"),
    "overdue_start": _l("Overdue from"),
    "overdue_end": _l("No longer overdue from"),
    "extension": _l("Extension (展期)"),
    "compensation": _l("Compensation by the guarantee fund"),
}

FUND_REFUSAL = {
    "fund_not_positive": _l("no positive fund balance"),
    "leverage_above_limit": _l("leverage above the limit"),
    "bank_paused": _l("bank paused"),
}

FUND_MOVEMENT_KIND = {
    "deposit": _l("Deposit"),
    "withdrawal": _l("Withdrawal"),
    "interest": _l("Interest"),
    "compensation_paid": _l("Compensation paid"),
    "recovery_received": _l("Recovery received"),
}

# How a fund movement came: typed on the page, the command line, a file, a claim or a recovery.
FUND_MOVEMENT_VIA = {
    "page": _l("Entered on the fund page"),
    "cli": _l("Command line"),
    "file": _l("Imported file"),
    "claim": _l("Claim paid"),
    "recovery": _l("Recovery"),
}

# A compensation claim's states (SPEC §4, §13)
CLAIM_STATUS = {
    "filed": lazy_pgettext("claim", "Filed"),
    "checked": lazy_pgettext("claim", "Checked"),
    "approved": lazy_pgettext("claim", "Approved"),
    "paid": lazy_pgettext("claim", "Paid"),
    "cancelled": lazy_pgettext("claim", "Cancelled"),
}

WRITE_OFF_STATUS = {
    "proposed": lazy_pgettext("write-off", "Proposed"),
    "approved": lazy_pgettext("write-off", "Approved"),
    "refused": lazy_pgettext("write-off", "Refused"),
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
    "full": _l("Full subsidy"),
    "lpr_margin": _l("LPR minus a margin"),
    "rate_share": _l("Share of the rate"),
    "lpr_share": _l("Share of LPR, capped"),
}

# The parameters of a policy version: the form, the side-by-side table and the audit trail.
POLICY_PARAM = {
    "effective_from": _l("In force from"),
    "regime_individual": _l("Subsidy regime, individual & partnership"),
    "regime_individual_value": _l("Regime value, individual & partnership (the margin in basis points for "
                                  "“LPR minus a margin”, a percent for the shares)"),
    "regime_enterprise": _l("Subsidy regime, enterprise"),
    "regime_enterprise_value": _l("Regime value, enterprise (the margin in basis points for “LPR minus a "
                                  "margin”, a percent for the shares)"),
    "cap_standard_bp": _l("Rate cap over LPR₀, standard districts (bp)"),
    "cap_former_poverty_bp": _l("Rate cap over LPR₀, former poverty counties (bp)"),
    "individual_max": _l("Individual maximum (yuan)"),
    "partnership_factor_pct": _l("Partnership factor (percent of the individual maximum per partner)"),
    "partnership_max": _l("Partnership maximum (yuan)"),
    "enterprise_max": _l("Enterprise maximum (yuan)"),
    "max_term_individual": _l("Maximum term, individual & partnership (months)"),
    "max_term_enterprise": _l("Maximum term, enterprise (months)"),
    "hire_share_small_pct": _l("New key-group hires, staff up to the threshold (percent)"),
    "hire_share_large_pct": _l("New key-group hires, staff above the threshold (percent)"),
    "hire_staff_threshold": _l("Staff threshold"),
    "graduate_window_years": _l("Graduate window (years)"),
    "working_age_min": _l("Working age from (years)"),
    "retirement_age_male": _l("Working age until, men (years, exclusive)"),
    "retirement_age_female": _l("Working age until, women (years, exclusive)"),
    "lifetime_loans": _l("Subsidised loans per person, lifetime"),
    "consumer_loan_allowed_max": _l("Consumer loans allowed up to (yuan)"),
    "day_basis": _l("Day-count basis"),
    "approval_validity_days": _l("Approval validity (days)"),
    "leverage_limit_high": _l("Leverage limit after a good year (times the fund)"),
    "leverage_limit_low": _l("Leverage limit otherwise (times the fund)"),
    "repayment_rate_threshold_pct": _l("Repayment rate at maturity for the higher limit (%)"),
    "overdue_warn_pct": _l("Overdue rate that warns a bank (%, above)"),
    "claims_pause_pct": _l("Claims rate that pauses a bank (%, above)"),
    "claim_wait_days": _l("Days overdue before a claim may be filed"),
    "fund_share_pct": _l("Fund's share of a claim (%)"),
}
POLICY_MONEY_PARAMS = ("individual_max", "partnership_max", "enterprise_max", "consumer_loan_allowed_max")

# The steps of the application form.
# The registry rosters of other government systems (SPEC §15), by key group.
ROSTER_KIND = {
    "urban_unemployed": _l("registered unemployed"),
    "veteran": _l("veterans"),
    "poverty_alleviated": _l("poverty-alleviated"),
    "disabled": _l("disability certificate holders"),
    "graduate": _l("graduates"),
}

STEP = {
    "person": _l("About you"),
    "groups": _l("Key groups"),
    "business": _l("Your business"),
    "loan": _l("The loan"),
    "partners": _l("Partners"),
    "declarations": _l("Declarations"),
    "documents": _l("Evidence"),
    "review": _l("Review and submit"),
}

SEX = {"male": _l("Male"), "female": _l("Female")}

DAY_KIND = {"holiday": _l("Public holiday"), "workday": _l("Adjusted workday")}


def rule_title(rule_id: str) -> str:
    """An eligibility rule as a person reads it: "E01 Key group" (its title in the reader's language)."""
    name = RULE_NAMES.get(rule_id)
    return f"{rule_id} {label(RULE_NAME, name)}" if name else str(rule_id)

SNAPSHOT_TRIGGER = {
    "submission": _l("at submission"),
    "rerun": _l("re-run by staff"),
    "answer": _l("after the applicant's answer"),
    "recommendation": _l("at the recommendation"),
    "decision": _l("at the decision"),
}
