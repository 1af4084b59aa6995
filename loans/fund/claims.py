"""Compensation claims (代偿), recoveries (追偿) and write-offs (核销), SPEC §4 and §13.

A bank files a claim for a loan overdue long enough; an officer of the loan's district
checks it, a city-wide supervisor approves it (never the one who checked it), finance pays
it: the payment writes the fund's movement and the loan's ``compensation`` event through
servicing, which moves the loan overdue → compensated. A repayment or a cure recorded
while a claim is pending cancels it (``servicing.services.EVENT_LISTENERS``). Recoveries are
shared back as the claim was; a city-wide supervisor proposes writing off the unrecovered
rest and finance decides.

Nothing here commits. Every change is a guarded UPDATE on the claim's (or the write-off's)
``lock_version``, so a double click or two actors at once change once and the second gets
``ConcurrentChange``; every step writes an audit row. The amounts follow ``core.fund``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update

from ..audit.services import record
from ..core import fund as core_fund
from ..core.fund import ClaimStatus, MovementKind, PENDING_CLAIM_STATUSES
from ..core.money import format_yuan
from ..core.workflow import CaseStatus
from ..db import db, local_today, utcnow
from ..errors import CONCURRENT_MESSAGE, ConcurrentChange, Refused
from ..labels import CLAIM_STATUS, STATUS, label
from ..policy.queries import policies, policy_on
from ..servicing import services as servicing
from ..servicing.models import Loan
from . import claim_notices
from .models import CompensationClaim, FundMovement, Recovery, WriteOff
from .movements import record_movement

PENDING = tuple(s.value for s in PENDING_CLAIM_STATUSES)
RECOVERABLE_LOAN_STATUSES = (CaseStatus.compensated.value, CaseStatus.written_off.value)
ALREADY_CHANGED = CONCURRENT_MESSAGE
WRITE_OFF_PROPOSED, WRITE_OFF_APPROVED, WRITE_OFF_REFUSED = "proposed", "approved", "refused"


def _role(actor) -> str:
    return str(getattr(actor, "role", ""))


def _forbidden():
    return Refused(_l("Your role may not do this."), status=403)


def is_city_wide_supervisor(actor) -> bool:
    return _role(actor) == "supervisor" and getattr(actor, "district_code", None) is None


def _bank_of(actor, bank_code: str) -> None:
    if _role(actor) != "bank" or getattr(actor, "bank_code", None) != bank_code:
        raise _forbidden()


def _note(text: str | None) -> str | None:
    return (text or "").strip() or None


# --- the loan's policy: waiting days, share and day basis -------------------------------------

def contract_policy(loan: Loan):
    """The policy version in force on the loan's contract date (the earliest one for a loan
    signed before any): its fund share and its waiting days govern the loan's claims."""
    return policy_on(loan.contract_date) or min(policies(), key=lambda p: p.effective_from)


def _day_basis(loan: Loan) -> int:
    """The loan's own policy version's day basis (fixed by its first disbursement, §5)."""
    policy = next((p for p in policies() if p.code == loan.policy_code), None) or contract_policy(loan)
    return policy.day_basis


@dataclass(frozen=True)
class ClaimOutlook:
    """What a claim filed on ``claim_date`` would be, or why not yet."""

    overdue_since: date | None
    earliest: date | None
    amounts: core_fund.ClaimAmounts | None


def claim_outlook(loan: Loan, claim_date: date | None) -> ClaimOutlook:
    events = list(loan.events)
    since = servicing.overdue_since(events)
    if since is None or loan.status != CaseStatus.overdue.value:
        return ClaimOutlook(None, None, None)
    policy = contract_policy(loan)
    earliest = core_fund.earliest_claim_date(since, core_fund.fund_params_of(policy))
    if claim_date is None or claim_date < earliest:
        return ClaimOutlook(since, earliest, None)
    steps = [(e.event_on, e.amount if e.kind == "disbursement" else -e.amount)
             for e in events if e.kind in ("disbursement", "repayment")]
    principal = servicing.balance_on(events, claim_date)
    interest = core_fund.claim_interest(steps, since, claim_date, loan.contract_rate, _day_basis(loan))
    return ClaimOutlook(since, earliest, core_fund.claim_amounts(principal, interest, policy.fund_share_pct))


def pending_claim(loan: Loan) -> CompensationClaim | None:
    return db.session.scalar(select(CompensationClaim).where(CompensationClaim.loan_id == loan.id,
                                                             CompensationClaim.status.in_(PENDING)))


# --- guarded changes ---------------------------------------------------------------------------

def _guard(claim: CompensationClaim, action: str | None, expected_version: int | None, *conditions,
           **values) -> tuple[str, str]:
    """Move the claim by ``action`` (check, approve, pay, cancel; None: its status stays) and
    set ``values``, only if nobody changed it since ``expected_version`` was read."""
    current = ClaimStatus(claim.status)
    new = core_fund.claim_next_status(current, action) if action is not None else current
    if new is None:
        raise Refused(_l("This claim is now “%(status)s”, so this is no longer possible. Nothing was changed.",
                         status=label(CLAIM_STATUS, current.value)), status=409)
    version = claim.lock_version if expected_version is None else expected_version
    result = db.session.execute(
        update(CompensationClaim)
        .where(CompensationClaim.id == claim.id, CompensationClaim.status == current.value,
               CompensationClaim.lock_version == version, *conditions)
        .values(status=new.value, lock_version=CompensationClaim.lock_version + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentChange(ALREADY_CHANGED)
    db.session.expire(claim)
    return current.value, new.value


def _movement(kind: MovementKind, amount: Decimal, on: date, voucher_no: str, claim: CompensationClaim, *,
              actor, source: str, recovery_id: int | None = None) -> FundMovement:
    """The fund movement a paid claim or a recovery writes (of the loan's bank and district)."""
    return record_movement(kind, amount, on, voucher_no, claim.bank_code, claim.district_code, actor=actor,
                           source=source, claim_id=claim.id, recovery_id=recovery_id)


# --- filing ------------------------------------------------------------------------------------

def file_claim(loan: Loan, claim_date: date | None, actor, bank_ref: str | None = None, note: str = "", *,
               expected_version: int | None = None, today: date | None = None) -> CompensationClaim:
    """The bank claims on the fund for its overdue loan (clerk or API token of the loan's bank)."""
    _bank_of(actor, loan.bank_code)
    today = today or local_today()
    if claim_date is None:
        raise Refused(_l("Enter the claim date."), "claim_date")
    if claim_date > today:
        raise Refused(_l("The claim date cannot be in the future."), "claim_date")
    outlook = claim_outlook(loan, claim_date)
    if outlook.overdue_since is None:
        raise Refused(_l("A claim can only be filed for an overdue loan; this one is “%(status)s”.",
                         status=label(STATUS, loan.status)), status=409)
    if outlook.amounts is None:
        raise Refused(_l("A claim may be filed from %(date)s: %(days)d days after the loan became overdue on "
                         "%(since)s.", date=outlook.earliest.isoformat(),
                         days=(outlook.earliest - outlook.overdue_since).days,
                         since=outlook.overdue_since.isoformat()), "claim_date")
    pending = pending_claim(loan)
    if pending is not None:
        raise Refused(_l("This loan already has a pending claim (filed %(date)s); cancel it first to file "
                         "another.", date=pending.claim_date.isoformat()), status=409)
    if bank_ref and db.session.scalar(select(CompensationClaim.id).where(
            CompensationClaim.bank_code == loan.bank_code, CompensationClaim.bank_ref == bank_ref)):
        raise Refused(_l("This bank reference %(ref)s is already recorded on another claim.", ref=bank_ref),
                      "bank_ref", status=409)
    a = outlook.amounts
    if a.principal <= 0:
        raise Refused(_l("Nothing was outstanding on %(date)s, so there is nothing to claim.",
                         date=claim_date.isoformat()), "claim_date")
    # Filing changes the loan's version too: a claim and a repayment sent at once meet here.
    servicing.mark_changed(loan, expected_version)
    claim = CompensationClaim(
        loan_id=loan.id, bank_code=loan.bank_code, district_code=loan.district_code, status=ClaimStatus.filed,
        claim_date=claim_date, overdue_since=outlook.overdue_since, principal=a.principal, interest=a.interest,
        total=a.total, share_pct=contract_policy(loan).fund_share_pct, fund_share=a.fund_share,
        bank_share=a.bank_share, bank_ref=bank_ref or None, note=_note(note), filed_by_id=getattr(actor, "id", None),
        token_id=getattr(actor, "token_id", None))
    db.session.add(claim)
    db.session.flush()
    record("claim_file", claim, to_state=ClaimStatus.filed, actor=actor, loan_ref=loan.loan_ref,
           claim_date=claim_date.isoformat(), overdue_since=outlook.overdue_since.isoformat(),
           principal=str(a.principal), interest=str(a.interest), total=str(a.total), fund_share=str(a.fund_share),
           bank_share=str(a.bank_share), bank_ref=claim.bank_ref, note=claim.note)
    claim_notices.tell(claim, "filed")
    return claim


# --- check, approve, pay, cancel ---------------------------------------------------------------

def may_check(actor, claim: CompensationClaim) -> bool:
    role, district = _role(actor), getattr(actor, "district_code", None)
    return (role == "officer" and district == claim.district_code) or (
        role == "supervisor" and district in (None, claim.district_code))


def check_claim(claim: CompensationClaim, *, actor, note: str = "", expected_version: int | None = None) -> None:
    if not may_check(actor, claim):
        raise _forbidden()
    old, new = _guard(claim, "check", expected_version, checked_by_id=getattr(actor, "id", None),
                      checked_at=utcnow(), check_note=_note(note))
    record("claim_check", claim, from_state=old, to_state=new, actor=actor, note=_note(note))
    claim_notices.tell(claim, "checked")


def approve_claim(claim: CompensationClaim, *, actor, expected_version: int | None = None) -> None:
    """A city-wide supervisor approves a checked claim: never the one who checked it."""
    if not is_city_wide_supervisor(actor):
        raise Refused(_l("Only a city-wide supervisor approves a claim."), status=403)
    if claim.checked_by_id is not None and claim.checked_by_id == getattr(actor, "id", None):
        raise Refused(_l("You checked this claim, so another city-wide supervisor approves it (four eyes)."),
                      status=403)
    old, new = _guard(claim, "approve", expected_version,
                      CompensationClaim.checked_by_id != getattr(actor, "id", None),
                      approved_by_id=getattr(actor, "id", None), approved_at=utcnow())
    record("claim_approve", claim, from_state=old, to_state=new, actor=actor)
    claim_notices.tell(claim, "approved")


def _payment_details(claim: CompensationClaim, paid_on: date | None, voucher_no: str | None,
                     today: date | None) -> tuple[date, str]:
    today = today or local_today()
    voucher_no = (voucher_no or "").strip()
    if paid_on is None:
        raise Refused(_l("Enter the payment date."), "paid_on")
    if paid_on > today:
        raise Refused(_l("The payment date cannot be in the future."), "paid_on")
    if paid_on < claim.claim_date:
        raise Refused(_l("The payment date cannot be before the claim date %(date)s.",
                         date=claim.claim_date.isoformat()), "paid_on")
    if not voucher_no:
        raise Refused(_l("Enter the voucher number."), "voucher_no")
    return paid_on, voucher_no


def pay_claim(claim: CompensationClaim, *, paid_on: date | None, voucher_no: str | None, actor,
              expected_version: int | None = None, today: date | None = None) -> None:
    """Finance pays an approved claim: the fund's share leaves the fund, and the loan's
    ``compensation`` event (dated the payment date, the claimed principal) closes the loan."""
    if _role(actor) != "finance":
        raise _forbidden()
    paid_on, voucher_no = _payment_details(claim, paid_on, voucher_no, today)
    old, new = _guard(claim, "pay", expected_version, paid_by_id=getattr(actor, "id", None), paid_on=paid_on,
                      voucher_no=voucher_no)
    movement = _movement(MovementKind.compensation_paid, claim.fund_share, paid_on, voucher_no, claim,
                         actor=actor, source="claim")
    event = servicing.record_compensation(claim.loan, actor=actor, on=paid_on, amount=claim.principal,
                                          expected_version=None, today=today)
    claim.compensation_event_id = event.id
    db.session.flush()
    record("claim_pay", claim, from_state=old, to_state=new, actor=actor, paid_on=paid_on.isoformat(),
           voucher_no=voucher_no, amount=str(claim.fund_share), movement_id=movement.id, event_id=event.id)
    claim_notices.tell(claim, "paid")


def cancel_claim(claim: CompensationClaim, *, reason: str | None, actor, expected_version: int | None = None) -> None:
    """The bank withdraws its pending claim, with a reason."""
    _bank_of(actor, claim.bank_code)
    reason = _note(reason)
    if reason is None:
        raise Refused(_l("Give the reason for withdrawing the claim."), "reason")
    _cancel(claim, reason, actor=actor, expected_version=expected_version)


def _cancel(claim: CompensationClaim, reason: str, *, actor, expected_version: int | None, **detail) -> None:
    old, new = _guard(claim, "cancel", expected_version, cancelled_by_id=getattr(actor, "id", None),
                      cancelled_at=utcnow(), cancel_reason=reason)
    record("claim_cancel", claim, from_state=old, to_state=new, actor=actor, reason=reason, **detail)


# Why the app cancelled a pending claim by itself: stored as these codes (audit.display reads them).
CANCELLED_BY_EVENT = {"repayment": "repayment recorded", "overdue_end": "overdue ended"}


def _cancel_on_repayment_or_cure(loan: Loan, event, actor) -> None:
    """A repayment or the end of the overdue period recorded while a claim is pending cancels it."""
    reason = CANCELLED_BY_EVENT.get(str(event.kind))
    if reason is None:
        return
    claim = pending_claim(loan)
    if claim is not None:
        _cancel(claim, reason, actor=actor, expected_version=None, on=event.event_on.isoformat(),
                event_id=event.id)


servicing.EVENT_LISTENERS.append(_cancel_on_repayment_or_cure)


def complete_legacy_claim(claim: CompensationClaim, *, voucher_no: str | None, paid_on: date | None, actor,
                          expected_version: int | None = None, today: date | None = None) -> None:
    """Finance gives a legacy paid claim (a compensation recorded before claims) its voucher,
    which writes its fund movement, once."""
    if _role(actor) != "finance":
        raise _forbidden()
    if not claim.legacy or claim.status != ClaimStatus.paid.value:
        raise Refused(_l("Only a paid claim carried over from an earlier compensation is completed this way."),
                      status=409)
    if claim.voucher_no:
        raise ConcurrentChange(ALREADY_CHANGED)
    paid_on, voucher_no = _payment_details(claim, paid_on, voucher_no, today)
    _guard(claim, None, expected_version, CompensationClaim.voucher_no.is_(None), voucher_no=voucher_no,
           paid_on=paid_on, paid_by_id=getattr(actor, "id", None))
    movement = _movement(MovementKind.compensation_paid, claim.fund_share, paid_on, voucher_no, claim,
                         actor=actor, source="claim")
    record("claim_complete", claim, actor=actor, paid_on=paid_on.isoformat(), voucher_no=voucher_no,
           amount=str(claim.fund_share), movement_id=movement.id)


# --- recoveries --------------------------------------------------------------------------------

def recovered(claim: CompensationClaim) -> Decimal:
    return db.session.scalar(select(func.coalesce(func.sum(Recovery.amount), 0))
                             .where(Recovery.claim_id == claim.id)) or Decimal(0)


def may_recover(claim: CompensationClaim) -> bool:
    return claim.status == ClaimStatus.paid.value and claim.loan.status in RECOVERABLE_LOAN_STATUSES


def record_recovery(claim: CompensationClaim, on: date | None, amount: Decimal | None, actor,
                    bank_ref: str | None = None, note: str = "", *, expected_version: int | None = None,
                    today: date | None = None) -> Recovery:
    """Money recovered on a compensated (or written-off) loan, shared back as the claim was.
    Changes no balance, status or subsidy."""
    _bank_of(actor, claim.bank_code)
    if not may_recover(claim):
        raise Refused(_l("Recoveries are recorded on a paid claim of a compensated or written-off loan."),
                      status=409)
    today = today or local_today()
    if on is None:
        raise Refused(_l("Enter the date."), "recovered_on")
    if on > today:
        raise Refused(_l("The date cannot be in the future."), "recovered_on")
    if claim.paid_on is not None and on < claim.paid_on:
        raise Refused(_l("The date cannot be before the claim was paid on %(date)s.", date=claim.paid_on.isoformat()),
                      "recovered_on")
    if amount is None or amount <= 0:
        raise Refused(_l("Enter an amount greater than zero."), "amount")
    room = core_fund.recovery_room(claim.total, recovered(claim))
    if amount > room:
        raise Refused(_l("Recoveries cannot exceed the claim of %(total)s: %(left)s is left to recover.",
                         total=format_yuan(claim.total), left=format_yuan(room)), "amount")
    if bank_ref and db.session.scalar(select(Recovery.id).where(Recovery.bank_code == claim.bank_code,
                                                                Recovery.bank_ref == bank_ref)):
        raise Refused(_l("This bank reference %(ref)s is already recorded on another recovery.", ref=bank_ref),
                      "bank_ref", status=409)
    _guard(claim, None, expected_version)  # two recoveries at once cannot both fit in the room
    fund, bank = core_fund.share(amount, claim.share_pct)
    recovery = Recovery(claim_id=claim.id, loan_id=claim.loan_id, bank_code=claim.bank_code, recovered_on=on,
                        amount=amount, fund_share=fund, bank_share=bank, bank_ref=bank_ref or None, note=_note(note),
                        recorded_by_id=getattr(actor, "id", None), token_id=getattr(actor, "token_id", None))
    db.session.add(recovery)
    db.session.flush()
    movement = _movement(MovementKind.recovery_received, fund, on, bank_ref or f"R-{recovery.id}", claim,
                         actor=actor, source="recovery", recovery_id=recovery.id)
    record("recovery", claim, actor=actor, on=on.isoformat(), amount=str(amount), fund_share=str(fund),
           bank_share=str(bank), bank_ref=recovery.bank_ref, note=recovery.note, recovery_id=recovery.id,
           movement_id=movement.id)
    return recovery


# --- write-offs --------------------------------------------------------------------------------

def open_write_off(claim: CompensationClaim) -> WriteOff | None:
    return db.session.scalar(select(WriteOff).where(WriteOff.claim_id == claim.id,
                                                    WriteOff.status == WRITE_OFF_PROPOSED))


def write_offs(claim: CompensationClaim) -> list[WriteOff]:
    return list(db.session.scalars(select(WriteOff).where(WriteOff.claim_id == claim.id).order_by(WriteOff.id)))


def may_propose_write_off(claim: CompensationClaim) -> bool:
    return (claim.status == ClaimStatus.paid.value and claim.loan.status == CaseStatus.compensated.value
            and open_write_off(claim) is None)


def propose_write_off(claim: CompensationClaim, *, reason: str | None, actor,
                      expected_version: int | None = None) -> WriteOff:
    """A city-wide supervisor proposes writing off the claim's unrecovered rest."""
    if not is_city_wide_supervisor(actor):
        raise Refused(_l("Only a city-wide supervisor proposes a write-off."), status=403)
    reason = _note(reason)
    if reason is None:
        raise Refused(_l("Give the reason for the write-off."), "reason")
    if not may_propose_write_off(claim):
        raise Refused(_l("A write-off is proposed once for a paid claim of a compensated loan, while no other "
                         "proposal is open."), status=409)
    amount = claim.total - recovered(claim)
    if amount <= 0:
        raise Refused(_l("Everything claimed was recovered; there is nothing to write off."), status=409)
    _guard(claim, None, expected_version)
    write_off = WriteOff(claim_id=claim.id, loan_id=claim.loan_id, amount=amount, reason=reason,
                         status=WRITE_OFF_PROPOSED, proposed_by_id=getattr(actor, "id", None))
    db.session.add(write_off)
    db.session.flush()
    record("write_off_propose", claim, actor=actor, amount=str(amount), reason=reason, write_off_id=write_off.id)
    return write_off


def decide_write_off(write_off: WriteOff, *, approve: bool, actor, note: str = "",
                     expected_version: int | None = None, today: date | None = None) -> None:
    """Finance approves (the loan becomes written off) or refuses a proposed write-off."""
    if _role(actor) != "finance":
        raise _forbidden()
    today = today or local_today()
    new = WRITE_OFF_APPROVED if approve else WRITE_OFF_REFUSED
    version = write_off.lock_version if expected_version is None else expected_version
    result = db.session.execute(
        update(WriteOff).where(WriteOff.id == write_off.id, WriteOff.status == WRITE_OFF_PROPOSED,
                               WriteOff.lock_version == version)
        .values(status=new, lock_version=WriteOff.lock_version + 1, decided_by_id=getattr(actor, "id", None),
                decided_at=utcnow(), decided_on=today, decision_note=_note(note))
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentChange(ALREADY_CHANGED)
    db.session.expire(write_off)
    claim = write_off.claim
    if approve:
        servicing.record_write_off(claim.loan, actor=actor, on=today, amount=str(write_off.amount),
                                   claim_id=claim.id)
    record("write_off_approve" if approve else "write_off_refuse", claim, actor=actor, amount=str(write_off.amount),
           note=_note(note), write_off_id=write_off.id)


# --- reads -------------------------------------------------------------------------------------

def visible_claims(user) -> Select:
    """Claims within the user's scope (SPEC §2): the officer's district, the supervisor's
    district or the city, the bank's own; finance, admin and auditor see all."""
    query = select(CompensationClaim)
    role = _role(user)
    if role == "officer":
        return query.where(CompensationClaim.district_code == user.district_code)
    if role == "supervisor":
        return query.where(CompensationClaim.district_code == user.district_code) if user.district_code else query
    if role == "bank":
        return query.where(CompensationClaim.bank_code == user.bank_code)
    if role in ("finance", "admin", "auditor"):
        return query
    return query.where(False)


def claims_of_loan(loan: Loan, user) -> list[CompensationClaim]:
    return list(db.session.scalars(visible_claims(user).where(CompensationClaim.loan_id == loan.id)
                                   .order_by(CompensationClaim.id.desc())))
