"""Changes to loans (SPEC §4 from ``approved`` on, §7): contracts, declines, money
movements, overdue periods, extensions, compensation, follow-up visits and the daily
``loans check``. Nothing here commits (the unit of work of the request or command does);
a change the rules or the loan's status do not allow raises ``Refused`` (400 bad input,
403 not the actor's to do, 409 the status no longer allows it) and changes nothing.

A loan's status changes through the core state machine (``core.workflow``) with a guarded
UPDATE on ``Loan.lock_version``, exactly as ``applications.services.transition`` does for
cases; a loan that came from an application mirrors each status change onto the case
through that same ``transition``, which keeps the open-case claims and the applicant's
timeline right. Every change — status or not — bumps the lock version, so a form sent
twice (or by two clerks at once) records once and the second gets ``ConcurrentChange``.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..applications.services import transition
from ..audit.services import record
from ..core import policy as core_policy
from ..core.contract import Approval, ContractTerms, Problem, contract_problems
from ..core.dates import add_months
from ..core.money import format_rate, format_yuan
from ..core.workflow import Action, CaseStatus, IllegalTransition, next_status, role_may
from ..db import db, local_today, utcnow
from ..policy.queries import lpr_fixings, policies
from ..labels import STATUS, label
from ..notifications.services import notify
from ..policy.models import District
from .models import FollowUpVisit, Loan, LoanEvent
from ..errors import ConcurrentChange, Refused

S = CaseStatus
ONE_DAY = timedelta(days=1)
# Money may go out while the loan is in good standing; principal may come back while any
# money is out (an overdue borrower who pays everything back settles the loan).
DISBURSABLE = frozenset({S.contracted.value, S.active.value, S.extended.value})
REPAYABLE = frozenset({S.active.value, S.overdue.value, S.extended.value})
STALE_MESSAGE = _l("This loan was changed just now (by someone else, or this form was sent twice). "
                   "Nothing was recorded; check the loan below and enter it again if it is still needed.")


def _require(actor, action: Action) -> None:
    if actor is not None and not role_may(actor.role, action):
        raise Refused(_l("Your role may not do this."), status=403)


def _case_status_after(application, action: Action) -> S:
    """The case's status after ``action``, or the refusal naming the status it is in now."""
    try:
        return next_status(S(application.status), action)
    except IllegalTransition:
        raise Refused(_l("This case is now “%(status)s”, so this is no longer possible. Nothing was changed.",
                         status=label(STATUS, application.status)), status=409) from None


def _loan_status_after(loan: Loan, action: Action) -> S:
    """The loan's status after ``action``, or the refusal naming the status it is in now."""
    try:
        return next_status(S(loan.status), action)
    except IllegalTransition:
        raise Refused(_l("This is not possible while the loan is “%(status)s”. Nothing was changed.",
                         status=label(STATUS, loan.status)), status=409) from None


def _check_date(on: date | None, *, loan_start: date, today: date, field: str = "event_on") -> date:
    if on is None:
        raise Refused(_l("Enter the date."), field)
    if on > today:
        raise Refused(_l("The date cannot be in the future."), field)
    if on < loan_start:
        raise Refused(_l("The date cannot be before the contract date %(date)s.",
                                date=loan_start.isoformat()), field)
    return on


def _positive(amount: Decimal | None, field: str = "amount") -> Decimal:
    if amount is None or amount <= 0:
        raise Refused(_l("Enter an amount greater than zero."), field)
    return amount


# --- approval → contract or decline ----------------------------------------------------

def approval_problem(application) -> str | None:
    """Why an approved case can no longer be contracted at all (its approval letter was
    revoked), or None. An approval whose validity has ended can still take a contract
    signed by then (banks record late); the ``expired`` status, set by ``cases expire``,
    refuses it through the state machine."""
    from ..letters.models import Letter

    revoked = db.session.scalar(select(Letter).where(Letter.application_id == application.id,
                                                     Letter.kind == "approval", Letter.revoked_at.is_not(None)))
    if revoked is not None:
        return str(_l("The approval letter %(ref)s was revoked (%(reason)s); no contract can be signed on it.",
                      ref=revoked.reference, reason=revoked.revoke_reason or "—"))
    return None


def _cap_class(district_code: str) -> str:
    district = db.session.get(District, district_code)
    return district.cap_class if district is not None else "standard"


def rate_ceiling_on(district_code: str, on: date) -> tuple[Decimal, Decimal] | None:
    """(LPR₀, LPR₀ + cap) for a contract signed ``on`` in the district, under the policy
    version in force that day; None when no policy or LPR fixing is in force."""
    policy = core_policy.policy_in_force(policies(), on)
    lpr0 = core_policy.lpr_on(lpr_fixings(), on)
    if policy is None or lpr0 is None:
        return None
    return lpr0, core_policy.rate_ceiling(policy, lpr0, _cap_class(district_code))


def jobs_declared(application) -> int:
    """Owners plus employees as declared (SPEC §8): the application's "jobs the business
    will create (owners and employees)" answer; without it, the owners plus current staff."""
    if application.planned_jobs is not None:
        return application.planned_jobs
    return application.partners_count + (application.current_staff or 0)


def contract_message(problem: Problem):
    """The bank's message for a problem of ``core.contract``, in the reader's language."""
    p = problem.params
    match problem.code:
        case "contract_no_missing":
            return _l("Enter the contract number.")
        case "contract_date_missing":
            return _l("Enter the contract date.")
        case "contract_date_in_future":
            return _l("The contract date cannot be in the future.")
        case "contract_date_before_approval":
            return _l("The contract date cannot be before the approval on %(date)s.", date=p["date"].isoformat())
        case "contract_date_after_validity":
            return _l("The contract date cannot be after the approval's validity end %(date)s.",
                      date=p["date"].isoformat())
        case "amount_not_positive":
            return _l("Enter an amount greater than zero.")
        case "amount_above_approval":
            return _l("The amount cannot be more than the approved %(amount)s.", amount=format_yuan(p["amount"]))
        case "term_out_of_range":
            return _l("The term must be between 1 and the approved %(n)d months.", n=p["months"])
        case "rate_missing":
            return _l("Enter the contract rate in percent, such as 3.85.")
        case "no_policy_in_force":
            return _l("No policy version or LPR fixing is in force on the contract date.")
    raise ValueError(f"unknown contract problem {problem.code!r}")


def record_contract(application, terms: ContractTerms, *, actor, today: date | None = None) -> tuple[Loan, list[str]]:
    """Sign the loan contract on an approved case: a ``Loan`` in ``contracted`` and the
    case moved approved → contracted. Returns the loan and warnings (not refusals)."""
    _require(actor, Action.contract)
    _case_status_after(application, Action.contract)
    today = today or local_today()
    problem = approval_problem(application)
    if problem:
        raise Refused(problem, status=409)
    on = terms.contract_date
    ceiling = rate_ceiling_on(application.district_code, on) if on is not None else None
    approval = Approval(amount=application.approved_amount, term_months=application.approved_term_months,
                        decided_on=application.decision_on, valid_until=application.valid_until_date)
    problems = contract_problems(terms, approval, today=today, ceiling=ceiling)
    if problems:
        raise Refused(contract_message(problems[0]), problems[0].field)
    contract_no = terms.contract_no.strip()
    amount = terms.amount
    lpr0, ceiling_rate = ceiling
    bank_code = application.approved_bank_code
    if db.session.scalar(select(Loan.id).where(Loan.bank_code == bank_code, Loan.contract_no == contract_no)):
        raise Refused(_l("This bank already has a loan with contract number %(no)s.", no=contract_no),
                             "contract_no")
    if db.session.scalar(select(Loan.id).where(Loan.loan_ref == application.reference)):
        raise Refused(_l("A loan with the reference %(ref)s already exists.", ref=application.reference),
                      status=409)

    transition(application, Action.contract, actor=actor, contract_no=contract_no, amount=str(amount),
               contract_date=on.isoformat())
    codes = application.key_group_codes
    loan = Loan(
        loan_ref=application.reference, source="application", application_id=application.id,
        status=S.contracted.value, borrower_name=application.full_name, id_number=application.id_number,
        id_number_hash=application.id_number_hash, id_number_masked=application.id_number_masked,
        key_group_code=codes[0] if codes else None, district_code=application.district_code,
        business_name=application.business_name, credit_code=application.credit_code or None,
        loan_type=application.loan_type, partners=application.partners_count,
        jobs_declared=jobs_declared(application), bank_code=bank_code, contract_no=contract_no,
        contract_date=on, amount=amount, contract_rate=terms.contract_rate, lpr_rate=lpr0,
        term_months=terms.term_months, maturity_date=add_months(on, terms.term_months),
        created_by_id=getattr(actor, "id", None))
    db.session.add(loan)
    db.session.flush()
    record("contract", loan, to_state=S.contracted, actor=actor, contract_no=contract_no, amount=str(amount),
           contract_rate=format_rate(terms.contract_rate), lpr=format_rate(lpr0),
           maturity=loan.maturity_date.isoformat())
    notify(application.applicant, application, "status", status=application.status)
    warnings = []
    if terms.contract_rate > ceiling_rate:
        warnings.append(str(_l(
            "The contract rate %(rate)s%% is above LPR₀ %(lpr)s%% plus the cap, %(ceiling)s%%: the part above "
            "%(ceiling)s%% earns no interest subsidy; the borrower pays it in full.",
            rate=format_rate(terms.contract_rate), lpr=format_rate(lpr0), ceiling=format_rate(ceiling_rate))))
    return loan, warnings


def decline_case(application, *, actor, reason: str) -> None:
    """The bank (or the guarantee review) says no to an approved case."""
    _require(actor, Action.decline)
    _case_status_after(application, Action.decline)
    if not (reason or "").strip():
        raise Refused(_l("Give the reason; the applicant will see it."), "reason")
    transition(application, Action.decline, actor=actor, reason=reason.strip())
    notify(application.applicant, application, "status", status=application.status)


# --- the loan's history ------------------------------------------------------------------

def effective_maturity(loan: Loan) -> date:
    return loan.extended_maturity_date or loan.maturity_date


def _money_steps(events) -> list[tuple[date, Decimal]]:
    return [(e.event_on, e.amount if e.kind == "disbursement" else -e.amount)
            for e in events if e.kind in ("disbursement", "repayment")]


def balance_on(events, day: date) -> Decimal:
    """Disbursed minus principal repaid, both dated ≤ day (SPEC §7.2)."""
    return sum((amount for on, amount in _money_steps(events) if on <= day), Decimal(0))


def _never_negative(events) -> bool:
    steps = _money_steps(events)
    return all(balance_on(events, day) >= 0 for day in {on for on, _ in steps})


def _open_overdue_start(events) -> date | None:
    from .facts import overdue_intervals

    intervals = overdue_intervals(events)
    return intervals[-1][0] if intervals and intervals[-1][1] is None else None


def _last_overdue_end(events) -> date | None:
    return max((e.event_on for e in events if e.kind == "overdue_end"), default=None)


def _guarded_change(loan: Loan, action: Action | None, expected_version: int | None) -> tuple[S, S]:
    """Bump the loan's lock version (and move its status through the core table when
    ``action`` is given) only if nobody changed it since ``expected_version`` was read."""
    current = S(loan.status)
    new = _loan_status_after(loan, action) if action is not None else current
    version = loan.lock_version if expected_version is None else expected_version
    result = db.session.execute(
        update(Loan).where(Loan.id == loan.id, Loan.status == current.value, Loan.lock_version == version)
        .values(status=new.value, lock_version=Loan.lock_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # nothing was written; the caller rolls back what it had prepared
        raise ConcurrentChange(STALE_MESSAGE)
    db.session.expire(loan, ["status", "lock_version", "updated_at"])
    return current, new


def _apply(loan: Loan, event: LoanEvent, action: Action | None, *, actor, expected_version: int | None,
           **detail) -> LoanEvent:
    """One recorded fact: guarded status/version change, the event row, the loan's audit
    row and, for a loan from an application, the same status change on the case."""
    old, new = _guarded_change(loan, action, expected_version)
    event.recorded_by_id = getattr(actor, "id", None)
    # Where it came from (SPEC §12): a bank's API token, a person on a page, or the app itself.
    event.token_id = getattr(actor, "token_id", None)
    event.source = event.source or ("api" if event.token_id else "page" if actor is not None else "app")
    if event.bank_ref:
        event.bank_code = loan.bank_code
    # Two equal payments on one day are two events (instalments paid in two transfers):
    # number repeats as the ledger does, the n-th of its (date, kind, amount).
    event.occurrence = 1 + sum(1 for e in loan.events
                               if (e.event_on, e.kind, e.amount) == (event.event_on, event.kind, event.amount))
    loan.events.append(event)
    db.session.flush()
    record(event.kind, loan, from_state=old if new != old else None, to_state=new if new != old else None,
           actor=actor, on=event.event_on.isoformat(), amount=str(event.amount) if event.amount is not None else None,
           event_id=event.id, bank_ref=event.bank_ref, **detail)
    _mirror_on_case(loan, action, new, actor=actor, on=event.event_on)
    for listener in EVENT_LISTENERS:
        listener(loan, event, actor)
    return event


def _mirror_on_case(loan: Loan, action: Action | None, new: S, *, actor, on: date) -> None:
    if action is not None and loan.application_id is not None:
        application = loan.application
        transition(application, action, actor=actor, loan_ref=loan.loan_ref, on=on.isoformat())
        if application.applicant is not None:
            notify(application.applicant, application, "status", status=new.value)


EVENT_LISTENERS: list = []
"""Called as ``listener(loan, event, actor)`` after each event is recorded, in the same unit
of work: packages above this one react to a loan's facts without this one importing them
(the guarantee fund cancels a pending claim on a repayment or a cure)."""


def mark_changed(loan: Loan, expected_version: int | None) -> None:
    """Something recorded about the loan elsewhere (a compensation claim filed on it) bumps its
    lock version too, so it and a change here sent at the same time never both land."""
    _guarded_change(loan, None, expected_version)


def overdue_since(events) -> date | None:
    """The first day of the loan's open overdue period, or None when it is not overdue."""
    return _open_overdue_start(events)


def record_write_off(loan: Loan, *, actor, on: date, **detail) -> None:
    """核销: a compensated loan's unrecovered rest is written off (finance approves a city-wide
    supervisor's proposal, SPEC §13). No event and no balance change: the status only."""
    _require(actor, Action.write_off)
    old, new = _guarded_change(loan, Action.write_off, None)
    record("write_off", loan, from_state=old, to_state=new, actor=actor, on=on.isoformat(), **detail)
    _mirror_on_case(loan, Action.write_off, new, actor=actor, on=on)


def _refuse_terminal(loan: Loan) -> None:
    if loan.status in (S.settled.value, S.compensated.value, S.written_off.value):
        raise Refused(_l("This loan is closed (%(status)s); nothing more can be recorded on it.",
                         status=label(STATUS, loan.status)), status=409)


def record_disbursement(loan: Loan, *, actor, on: date | None, amount: Decimal | None, expected_version: int | None,
                        note: str = "", today: date | None = None, bank_ref: str | None = None,
        source: str | None = None) -> LoanEvent:
    """Money paid out. The first one sets the first disbursement date and the policy
    version in force that day (it governs the subsidy, SPEC §5) and makes the loan active."""
    _require(actor, Action.disburse)
    _refuse_terminal(loan)
    if loan.status not in DISBURSABLE:
        raise Refused(_l("No money can be paid out while the loan is overdue."), status=409)
    today = today or local_today()
    on = _check_date(on, loan_start=loan.contract_date, today=today)
    # the contract's maturity: an extension (展期) gives more time to repay, not to draw
    if on > loan.maturity_date:
        raise Refused(_l("The date cannot be after the maturity date %(date)s.",
                                date=loan.maturity_date.isoformat()), "event_on")
    amount = _positive(amount)
    disbursed = sum((e.amount for e in loan.events if e.kind == "disbursement"), Decimal(0))
    if disbursed + amount > loan.amount:
        raise Refused(_l("That would pay out %(total)s in all, more than the contract amount %(amount)s "
                                "(%(left)s left to pay out).", total=format_yuan(disbursed + amount),
                                amount=format_yuan(loan.amount), left=format_yuan(loan.amount - disbursed)), "amount")
    first = loan.first_disbursement_date
    if first is None or on < first:
        policy = core_policy.policy_in_force(policies(), on)
        if policy is None:
            raise Refused(_l("No policy version is in force on %(date)s.", date=on.isoformat()), "event_on")
        loan.first_disbursement_date = on
        loan.policy_code = policy.code
    action = Action.disburse if loan.status == S.contracted.value else None
    return _apply(loan, LoanEvent(event_on=on, bank_ref=bank_ref, source=source, kind="disbursement", amount=amount, note=note or None), action,
                  actor=actor, expected_version=expected_version, note=note or None)


def record_repayment(loan: Loan, *, actor, on: date | None, amount: Decimal | None, expected_version: int | None,
                     note: str = "", today: date | None = None, bank_ref: str | None = None,
        source: str | None = None) -> LoanEvent:
    """Principal paid back; a balance back to zero settles the loan."""
    _require(actor, Action.settle)
    _refuse_terminal(loan)
    if loan.status not in REPAYABLE:
        raise Refused(_l("Nothing has been paid out on this loan yet."), status=409)
    today = today or local_today()
    on = _check_date(on, loan_start=loan.contract_date, today=today)
    amount = _positive(amount)
    events = list(loan.events)
    balance = balance_on(events, on)
    if amount > balance:
        raise Refused(_l("The repayment is more than the balance of %(balance)s on %(date)s.",
                                balance=format_yuan(balance), date=on.isoformat()), "amount")
    event = LoanEvent(event_on=on, bank_ref=bank_ref, source=source, kind="repayment", amount=amount, note=note or None)
    if not _never_negative(events + [event]):
        raise Refused(_l("With this repayment the balance would fall below zero later on (repayments "
                                "recorded after %(date)s already bring it down).", date=on.isoformat()), "amount")
    remaining = balance_on(events + [event], max(today, on))
    action = Action.settle if remaining == 0 else None
    return _apply(loan, event, action, actor=actor, expected_version=expected_version, note=note or None)


def record_overdue_start(loan: Loan, *, actor, on: date | None, expected_version: int | None, note: str = "",
                         today: date | None = None, bank_ref: str | None = None,
        source: str | None = None) -> LoanEvent:
    _require(actor, Action.become_overdue)
    _refuse_terminal(loan)
    _loan_status_after(loan, Action.become_overdue)
    today = today or local_today()
    on = _check_date(on, loan_start=loan.contract_date, today=today)
    events = list(loan.events)
    last_end = _last_overdue_end(events)
    if last_end is not None and on < last_end:
        raise Refused(_l("The date cannot be before the end of the previous overdue period (%(date)s).",
                                date=last_end.isoformat()), "event_on")
    if balance_on(events, on) <= 0:
        raise Refused(_l("Nothing was outstanding on %(date)s, so the loan cannot be overdue then.",
                                date=on.isoformat()), "event_on")
    return _apply(loan, LoanEvent(event_on=on, bank_ref=bank_ref, source=source, kind="overdue_start", note=note or None), Action.become_overdue,
                  actor=actor, expected_version=expected_version, note=note or None)


def record_overdue_end(loan: Loan, *, actor, on: date | None, expected_version: int | None, note: str = "",
                       today: date | None = None, bank_ref: str | None = None,
        source: str | None = None) -> LoanEvent:
    """``on`` is the first day no longer overdue (the end is exclusive, SPEC §7)."""
    _require(actor, Action.cure)
    _refuse_terminal(loan)
    _loan_status_after(loan, Action.cure)
    today = today or local_today()
    on = _check_date(on, loan_start=loan.contract_date, today=today)
    start = _open_overdue_start(list(loan.events))
    if start is None:
        raise Refused(_l("There is no open overdue period to end."), status=409)
    if on <= start:
        raise Refused(_l("The end must be after the start of the overdue period (%(date)s): it is the first "
                                "day the loan is no longer overdue.", date=start.isoformat()), "event_on")
    return _apply(loan, LoanEvent(event_on=on, bank_ref=bank_ref, source=source, kind="overdue_end", note=note or None), Action.cure,
                  actor=actor, expected_version=expected_version, note=note or None)


def record_extension(loan: Loan, *, actor, on: date | None, new_maturity_date: date | None,
                     expected_version: int | None, note: str = "", today: date | None = None, bank_ref: str | None = None,
        source: str | None = None) -> LoanEvent:
    """展期: a later maturity. The extra days earn no subsidy (SPEC §7.3)."""
    _require(actor, Action.extend)
    _refuse_terminal(loan)
    if loan.status == S.overdue.value:
        raise Refused(_l("An overdue loan cannot be extended; end the overdue period first."), status=409)
    _loan_status_after(loan, Action.extend)
    today = today or local_today()
    on = _check_date(on, loan_start=loan.contract_date, today=today)
    current = effective_maturity(loan)
    if new_maturity_date is None:
        raise Refused(_l("Enter the new maturity date."), "new_maturity_date")
    if new_maturity_date <= current:
        raise Refused(_l("The new maturity date must be after the current one, %(date)s.",
                                date=current.isoformat()), "new_maturity_date")
    if new_maturity_date > add_months(current, 120):
        raise Refused(_l("The new maturity date is implausibly far away."), "new_maturity_date")
    if balance_on(list(loan.events), on) <= 0:
        raise Refused(_l("Nothing was outstanding on %(date)s, so there is nothing to extend.",
                                date=on.isoformat()), "event_on")
    loan.extended_maturity_date = new_maturity_date
    return _apply(loan, LoanEvent(event_on=on, bank_ref=bank_ref, source=source, kind="extension", new_maturity_date=new_maturity_date,
                                  note=note or None), Action.extend, actor=actor, expected_version=expected_version,
                  previous_maturity=current.isoformat(), new_maturity=new_maturity_date.isoformat(),
                  note=note or None)


def record_compensation(loan: Loan, *, actor, on: date | None, amount: Decimal | None, expected_version: int | None,
                        note: str = "", today: date | None = None, bank_ref: str | None = None,
        source: str | None = None) -> LoanEvent:
    """The guarantee fund pays the bank for an overdue loan; the loan is closed."""
    _require(actor, Action.compensate)
    _refuse_terminal(loan)
    _loan_status_after(loan, Action.compensate)
    today = today or local_today()
    on = _check_date(on, loan_start=loan.contract_date, today=today)
    events = list(loan.events)
    start = _open_overdue_start(events)
    if start is not None and on < start:
        raise Refused(_l("The date cannot be before the loan became overdue (%(date)s).",
                                date=start.isoformat()), "event_on")
    amount = _positive(amount)
    balance = balance_on(events, on)
    if amount > balance:
        raise Refused(_l("The compensation is more than the balance of %(balance)s on %(date)s.",
                                balance=format_yuan(balance), date=on.isoformat()), "amount")
    return _apply(loan, LoanEvent(event_on=on, bank_ref=bank_ref, source=source, kind="compensation", amount=amount, note=note or None),
                  Action.compensate, actor=actor, expected_version=expected_version, note=note or None)


# --- a bank's reference for what is already recorded (SPEC §12) ------------------------------

def attach_bank_ref(loan: Loan, event: LoanEvent, *, bank_ref: str, actor, file: str | None = None) -> LoanEvent:
    """The bank sends an event someone typed without its reference (same loan, date, kind
    and amount): that event takes the bank's reference instead of being recorded twice."""
    _require(actor, Action.disburse)
    if event.loan_id != loan.id or event.bank_ref is not None:
        raise Refused(_l("This event already has the bank's reference %(ref)s.", ref=event.bank_ref or ""),
                      status=409)
    _guarded_change(loan, None, None)
    event.bank_ref, event.bank_code = bank_ref, loan.bank_code
    db.session.flush()
    record("bank_ref_attached", loan, actor=actor, event_id=event.id, bank_ref=bank_ref, on=event.event_on.isoformat(),
           file=file)
    return event


def replace_overdue_start(loan: Loan, event: LoanEvent, *, on: date | None, bank_ref: str | None, actor,
                          file: str | None = None, today: date | None = None) -> LoanEvent:
    """The bank's start of an overdue period replaces the date of the one the app set
    itself (``loans check``, the day after maturity): the bank knows when payment was missed."""
    _require(actor, Action.become_overdue)
    if event.loan_id != loan.id or event.kind != "overdue_start" or event.source != "app" or event.bank_ref:
        raise Refused(_l("Only an overdue start the app set itself can be replaced."), status=409)
    today = today or local_today()
    on = _check_date(on, loan_start=loan.contract_date, today=today)
    others = [e for e in loan.events if e is not event]
    before = max((e.event_on for e in others if e.kind == "overdue_end" and e.event_on <= event.event_on),
                 default=None)
    after = min((e.event_on for e in others if e.kind == "overdue_end" and e.event_on > event.event_on), default=None)
    if before is not None and on < before:
        raise Refused(_l("The date cannot be before the end of the previous overdue period (%(date)s).",
                         date=before.isoformat()), "event_on")
    if after is not None and on >= after:
        raise Refused(_l("That overdue period ended on %(date)s; its start must be before then.",
                         date=after.isoformat()), "event_on")
    if balance_on(others, on) <= 0:
        raise Refused(_l("Nothing was outstanding on %(date)s, so the loan cannot be overdue then.",
                         date=on.isoformat()), "event_on")
    _guarded_change(loan, None, None)
    replaced = event.event_on
    event.event_on, event.bank_ref, event.bank_code = on, bank_ref, loan.bank_code if bank_ref else None
    event.occurrence = 1 + sum(1 for e in others if (e.event_on, e.kind) == (on, "overdue_start"))
    db.session.flush()
    record("overdue_start_replaced", loan, actor=actor, event_id=event.id, bank_ref=bank_ref, on=on.isoformat(),
           replaced_on=replaced.isoformat(), file=file)
    return event


# --- follow-up visits (SPEC §8) ------------------------------------------------------------

def record_visit(loan: Loan, *, actor, visited_on: date | None, owners: int | None, employees: int | None,
                 note: str = "", today: date | None = None) -> FollowUpVisit:
    if actor is not None and actor.role not in ("officer", "supervisor"):
        raise Refused(_l("Your role may not do this."), status=403)
    today = today or local_today()
    visited_on = _check_date(visited_on, loan_start=loan.contract_date, today=today, field="visited_on")
    if owners is None or owners < 0:
        raise Refused(_l("Enter the number of owners working in the business."), "owners")
    if employees is None or employees < 0:
        raise Refused(_l("Enter the number of employees with labour contracts (0 if none)."), "employees")
    visit = FollowUpVisit(loan_id=loan.id, visited_on=visited_on, owners=owners, employees_with_contracts=employees,
                          note=(note or "").strip() or None, officer_id=getattr(actor, "id", None))
    db.session.add(visit)
    db.session.flush()
    record("visit", loan, actor=actor, visit_id=visit.id, on=visited_on.isoformat(), owners=owners,
           employees=employees)
    return visit


# --- the daily job -------------------------------------------------------------------------

def check_loans(today: date) -> tuple[int, int]:
    """``loans check``: a loan past its (extended) maturity with money still out and not
    overdue becomes overdue from the day after that maturity (or from the end of its last
    overdue period, if that is later). Idempotent. Returns (loans looked at, made overdue)."""
    maturity = func.coalesce(Loan.extended_maturity_date, Loan.maturity_date)
    due = db.session.scalars(
        select(Loan).where(Loan.status.in_((S.active.value, S.extended.value)), maturity < today)
        .options(selectinload(Loan.events)).order_by(Loan.id)).all()
    made = 0
    for loan in due:
        events = list(loan.events)
        if balance_on(events, today) <= 0:
            continue
        start = effective_maturity(loan) + ONE_DAY
        last_end = _last_overdue_end(events)
        if last_end is not None and last_end > start:
            start = last_end
        if start > today:
            continue
        try:
            _apply(loan, LoanEvent(event_on=start, kind="overdue_start", note="loans check"), Action.become_overdue,
                   actor=None, expected_version=None, reason="past maturity",
                   maturity=effective_maturity(loan).isoformat())
        except ConcurrentChange:
            continue  # a clerk changed it meanwhile; the next run looks again
        made += 1
    return len(due), made
