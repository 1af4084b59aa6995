"""The bureau's case handling (SPEC §2, §4): take, request information, check evidence,
recommend, decide. Each status change goes through ``applications.services.transition``
(the core state machine, a guarded update, one audit row). Views commit once."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..applications.queries import may_see_sensitive
from ..applications.services import status_after, transition
from ..audit.services import record
from ..core import policy as core_policy
from ..core.money import format_yuan
from ..core.workflow import Action, CaseStatus, FourEyesViolation, check_four_eyes, role_may
from ..db import db, local_today, utcnow
from ..eligibility.services import evaluate_case, latest_snapshot
from ..fund.check import check_approval, lock_fund
from ..policy.queries import lpr_fixings, policy_on
from ..letters.services import issue_letter
from ..notifications.services import notify
from ..policy.models import Bank, District
from . import queries
from ..eligibility.models import EvidenceCheck
from .models import CaseNote, InfoRequest
from ..errors import ConcurrentChange, Refused

EVIDENCE_RULES = ("E08", "E11", "E12")



def _require(actor, action: Action) -> None:
    if not role_may(actor.role, action):
        raise Refused(_l("Your role may not do this."), status=403)


def _notify_status(application) -> None:
    notify(application.applicant, application, "status", status=application.status)


def take_case(application, *, actor) -> None:
    _require(actor, Action.take)
    transition(application, Action.take, actor=actor)
    application.assigned_officer_id = actor.id
    _notify_status(application)


def request_info(application, *, actor, message: str, documents: list[str]) -> InfoRequest:
    _require(actor, Action.request_info)
    if not message.strip():
        raise Refused(_l("Tell the applicant what you need."), "message")
    transition(application, Action.request_info, actor=actor, message=message, documents=documents or None)
    info = InfoRequest(application_id=application.id, requested_by_id=actor.id, message=message.strip(),
                       documents=list(documents))
    db.session.add(info)
    notify(application.applicant, application, "info_requested", message=message.strip())
    return info


def open_info_request(application) -> InfoRequest | None:
    from sqlalchemy import select

    return db.session.scalar(select(InfoRequest).where(InfoRequest.application_id == application.id,
                                                       InfoRequest.answered_at.is_(None))
                             .order_by(InfoRequest.id.desc()).limit(1))


def answer_info(application, *, actor, answer: str) -> None:
    """The applicant answers; the case goes back to review."""
    if not answer.strip():
        raise Refused(_l("Write a short answer for the officer."), "answer")
    if application.status != CaseStatus.info_requested.value:
        raise Refused(_l("This request has already been answered."), status=409)
    transition(application, Action.answer_info, actor=actor, message=answer.strip())
    info = open_info_request(application)
    if info is not None:
        info.answer = answer.strip()
        info.answered_at = utcnow()
    evaluate_case(application, trigger="answer", actor=actor)
    _notify_status(application)


def record_evidence(application, *, actor, rule_id: str, verified: bool, note: str) -> EvidenceCheck:
    if rule_id not in EVIDENCE_RULES:
        raise Refused(_l("This rule is not checked from evidence."), "rule_id")
    if application.status != CaseStatus.under_review.value:
        raise Refused(_l("Evidence can be recorded only while the case is under review."), status=409)
    check = EvidenceCheck(application_id=application.id, rule_id=rule_id, verified=verified, note=note.strip(),
                          checked_by_id=actor.id)
    db.session.add(check)
    record("evidence", application, actor=actor, rule=rule_id, verified=verified, note=note.strip() or None)
    return check


def add_note(application, *, actor, body: str) -> CaseNote:
    if not body.strip():
        raise Refused(_l("The note is empty."), "body")
    note = CaseNote(application_id=application.id, author_id=actor.id, body=body.strip())
    db.session.add(note)
    record("note", application, actor=actor)
    return note


def rerun_eligibility(application, *, actor):
    """Re-run the engine with today's records; only while the case is being reviewed (a
    decided case keeps the result it was decided on)."""
    if application.status not in queries.IN_REVIEW:
        raise Refused(_l("Eligibility is re-run only while a case is under review."), status=409)
    return evaluate_case(application, trigger="rerun", actor=actor)


def can_reveal(user, application) -> bool:
    """The full resident ID is for the case's own officer and for supervisors (SPEC §11)."""
    return user.role in ("officer", "supervisor") and may_see_sensitive(user, application)


def reveal_id(application, *, actor) -> str:
    """The full resident ID for the case's officer or supervisor; every reveal is audited."""
    if not can_reveal(actor, application):
        raise Refused(_l("Only the officer handling this case or a supervisor may see the full resident ID."),
                      status=403)
    record("reveal_id", application, actor=actor)
    return application.id_number


def approvable_snapshot(application, *, actor, trigger: str):
    """Run the engine now and return its snapshot, or refuse approval with the reason:
    a case is approved only when no rule fails and every evidence check is recorded.

    E04 and E05 judge the *requested* amount and term; an approval may grant less, so for
    them what counts is the approved amount and term against the engine's maximums
    (checked by the caller)."""
    snapshot = evaluate_case(application, trigger=trigger, actor=actor)
    if snapshot is None:
        raise Refused(_l("The eligibility check cannot run on this case (no policy in force or details missing)."))
    failed = [r["id"] for r in snapshot.rules if r["result"] == "fail" and r["id"] not in ("E04", "E05")]
    if failed:
        raise Refused(_l("These rules fail: %(rules)s. Recommend rejection or ask the applicant for a correction.",
                             rules=", ".join(failed)))
    pending = [r["id"] for r in snapshot.rules if r["result"] == "needs_evidence"]
    if pending:
        raise Refused(_l("Record the evidence checks first: %(rules)s.", rules=", ".join(pending)))
    return snapshot


def recommend(application, *, actor, decision: str, amount: Decimal | None = None, term_months: int | None = None,
              bank_code: str | None = None, conditions: str = "", failed_rules: list[str] | None = None,
              explanation: str = "") -> None:
    _require(actor, Action.recommend)
    status_after(application, Action.recommend)
    if decision == "approve":
        if amount is None or amount <= 0:
            raise Refused(_l("Give the amount to approve."), "amount")
        if amount > application.amount:
            raise Refused(_l("The amount cannot be more than the %(requested)s requested.",
                                 requested=format_yuan(application.amount)), "amount")
        if not bank_code or db.session.get(Bank, bank_code) is None:
            raise Refused(_l("Choose the partner bank."), "bank_code")
        # The limits are the engine's, for this loan type under the policy of the application date.
        snapshot = approvable_snapshot(application, actor=actor, trigger="recommendation")
        if amount > snapshot.max_amount:
            raise Refused(_l("The amount is above the policy maximum of %(max)s.",
                                 max=format_yuan(snapshot.max_amount)), "amount")
        if not term_months or not 1 <= term_months <= snapshot.max_term_months:
            raise Refused(_l("The term must be between 1 and %(max)d months.", max=snapshot.max_term_months),
                              "term_months")
    elif decision == "reject":
        if not failed_rules and not explanation.strip():
            raise Refused(_l("Name the rules that fail or explain the reason."), "explanation")
        if not explanation.strip():
            raise Refused(_l("Explain the rejection in plain words for the applicant."), "explanation")
    else:
        raise Refused(_l("Choose approve or reject."), "decision")
    transition(application, Action.recommend, actor=actor, recommendation=decision,
               amount=str(amount) if decision == "approve" else None)
    application.recommendation = decision
    application.recommended_by_id = actor.id
    application.recommended_at = utcnow()
    if decision == "approve":
        application.recommended_amount = amount
        application.recommended_term_months = term_months
        application.recommended_bank_code = bank_code
        application.conditions = conditions.strip() or None
        application.rejection_rules = None
        application.rejection_explanation = None
    else:
        application.recommended_amount = None
        application.rejection_rules = list(failed_rules or [])
        application.rejection_explanation = explanation.strip()
    _notify_status(application)


def decide(application, *, actor, decision: str, amount: Decimal | None = None, reason: str = "",
           on: date | None = None, override_reason: str = "") -> None:
    """approve | reject | send_back by a supervisor who did not recommend the case. An
    approval passes the guarantee fund's check first (SPEC §13, serialised by the fund's
    lock) or carries a city-wide supervisor's ``override_reason``."""
    actions = {"approve": Action.approve, "reject": Action.reject, "send_back": Action.send_back}
    if decision not in actions:
        raise Refused(_l("Choose approve, reject or send back."), "decision")
    action = actions[decision]
    _require(actor, action)
    # The status first: a case that is not (or no longer) recommended gets "not possible
    # now" / "already decided", not a message about its recommendation.
    status_after(application, action)
    try:
        check_four_eyes(application.recommended_by_id, actor.id, action)
    except FourEyesViolation:
        raise Refused(_l("You recommended this case, so another supervisor must decide it (four-eyes rule)."),
                      status=403) from None
    on = on or local_today()
    if decision == "approve":
        # Approvals run one at a time (SPEC §13), the fund's lock taken before any other, so
        # that every approval takes its locks in the same order (fund, case, audit chain).
        lock_fund()
        if application.recommendation != "approve":
            raise Refused(_l("The officer recommended rejection; send the case back to change that."))
        amount = application.recommended_amount if amount is None else amount
        if amount <= 0 or amount > application.recommended_amount:
            raise Refused(_l("The approved amount must be more than 0 and at most the recommended %(amount)s.",
                                 amount=format_yuan(application.recommended_amount)), "amount")
        if amount < application.recommended_amount and not reason.strip():
            raise Refused(_l("Give a reason for lowering the amount."), "reason")
        policy = policy_on(on)
        lpr = core_policy.lpr_on(lpr_fixings(), on)
        if policy is None or lpr is None:
            raise Refused(_l("No policy version or LPR fixing is in force today."))
        cap_class = db.session.get(District, application.district_code).cap_class
        approvable_snapshot(application, actor=actor, trigger="decision")
        check_approval(application, actor=actor, amount=amount, today=on, override_reason=override_reason)
    elif decision == "reject" and application.recommendation != "reject" and not reason.strip():
        raise Refused(_l("Explain why you reject a case recommended for approval."), "reason")
    elif decision == "send_back" and not reason.strip():
        raise Refused(_l("Tell the officer what to look at again."), "reason")

    transition(application, action, actor=actor, reason=reason.strip() or None,
               amount=str(amount) if decision == "approve" else None)
    if decision == "send_back":
        application.recommendation = None
        return
    application.decided_by_id = actor.id
    application.decided_at = utcnow()
    application.decision_on = on
    if decision == "approve":
        rule = core_policy.borrower_rate_rule(policy, application.loan_type, lpr, cap_class=cap_class)
        application.approved_amount = amount
        application.approved_term_months = application.recommended_term_months
        application.approved_bank_code = application.recommended_bank_code
        application.amount_lowered_reason = reason.strip() if amount < application.recommended_amount else None
        application.approval_policy_code = policy.code
        application.approval_lpr_rate = lpr
        application.approval_cap_bp = core_policy.cap_bp(policy, cap_class)
        application.rate_ceiling_rate = core_policy.rate_ceiling(policy, lpr, cap_class)
        application.borrower_rate_rule_en = rule.text_en
        application.borrower_rate_rule_zh = rule.text_zh
        application.valid_until_date = core_policy.validity_end(policy, on)
    elif reason.strip():
        application.rejection_explanation = "\n".join(
            x for x in (application.rejection_explanation, reason.strip()) if x)
    if decision == "approve":
        issue_letter(application, "approval", actor)
    else:
        issue_letter(application, "rejection", actor, snapshot=latest_snapshot(application))
    _notify_status(application)


def expire_approvals(today: date) -> int:
    """Expire approvals whose validity ended with no contract. Idempotent."""
    from sqlalchemy import select

    from ..applications.models import LoanApplication

    due = db.session.scalars(select(LoanApplication).where(
        LoanApplication.status == CaseStatus.approved.value, LoanApplication.valid_until_date < today)).all()
    count = 0
    for application in due:
        try:
            transition(application, Action.expire, valid_until=application.valid_until_date.isoformat())
        except ConcurrentChange:
            continue
        _notify_status(application)
        count += 1
    return count
