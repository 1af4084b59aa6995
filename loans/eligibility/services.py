from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, union

from ..audit.services import record
from ..core import eligibility, resident_id
from ..core.workflow import LOAN_STATUSES, CaseStatus
from ..db import db, local_today
from ..policy.queries import known_key_groups, policy_on, served_districts
from .models import EligibilitySnapshot
from ..provided import Provided
from .queries import recorded_evidence

OVERDUE_STATUSES = (CaseStatus.overdue, CaseStatus.compensated, CaseStatus.written_off)
# Records "verified by roster" for each claimed key group a registry roster shows on the
# application date (SPEC §15); never called by the anonymous pre-check.
record_roster_evidence = Provided("the registry rosters' evidence checks", "rosters")


def _loan_history(id_hash: str | None, exclude_id: int) -> tuple[int, bool]:
    """Earlier subsidised loans of this resident ID in the system's records, as borrower or
    as partner, and whether any of them was ever overdue (E06: "none ever overdue", so a
    loan that was overdue and was later cured or settled still counts).

    Cases that reached a loan are counted from the applications (they know the partners);
    rows of the ``loans`` table — ledger-imported loans, and any loan whose case is not
    counted already — are added by the borrower's ID hash, so a case with its loan counts
    once. A loan with an ``overdue_start`` event was overdue."""
    from ..applications.models import LoanApplication, Partner
    from ..audit.models import AuditEvent
    from ..servicing.models import Loan, LoanEvent

    if not id_hash:
        return 0, False
    # Two indexed selects (borrower, partner) rather than one OR, which SQLite would scan.
    loans = (LoanApplication.id != exclude_id, LoanApplication.status.in_(LOAN_STATUSES))
    as_borrower = select(LoanApplication.id, LoanApplication.status).where(
        LoanApplication.id_number_hash == id_hash, *loans)
    as_partner = select(LoanApplication.id, LoanApplication.status).join(
        Partner, Partner.application_id == LoanApplication.id).where(Partner.id_number_hash == id_hash, *loans)
    rows = db.session.execute(union(as_borrower, as_partner)).all()
    case_ids = {case_id for case_id, _ in rows}
    loan_rows = [(loan_id, application_id) for loan_id, application_id in db.session.execute(
        select(Loan.id, Loan.application_id).where(Loan.id_number_hash == id_hash))
        if application_id != exclude_id]
    own_loans = [loan_id for loan_id, application_id in loan_rows]
    extra = [loan_id for loan_id, application_id in loan_rows if application_id not in case_ids]
    if not rows and not extra:
        return 0, False
    overdue = any(status in OVERDUE_STATUSES for _, status in rows) or (bool(case_ids) and db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.object_type == LoanApplication.__tablename__,
                                    AuditEvent.object_id.in_(case_ids),
                                    AuditEvent.to_state.in_(OVERDUE_STATUSES)).limit(1)) is not None) or (
        bool(own_loans) and db.session.scalar(
            select(LoanEvent.id).where(LoanEvent.loan_id.in_(own_loans), LoanEvent.kind == "overdue_start")
            .limit(1)) is not None)
    return len(rows) + len(extra), overdue


def _person(number: str, id_hash: str | None, groups: tuple[str, ...], graduation_date, declares_no_other_loans,
            exclude_id: int, masked_id: str = "") -> eligibility.PersonFacts:
    """The engine's facts about one person of a case. The other-loans declaration is a
    box to tick: unticked means not declared yet (E07 says so), not "has other loans"."""
    prior, overdue = _loan_history(id_hash, exclude_id)
    return eligibility.PersonFacts(
        birth_date=resident_id.birth_date(number), sex=resident_id.sex(number), key_groups=groups,
        graduation_date=graduation_date, prior_subsidized_loans=prior, prior_overdue=overdue,
        other_loans=False if declares_no_other_loans else None, masked_id=masked_id)


def evidence_checks(application) -> dict[str, bool]:
    """Officer-recorded checks for needs-evidence rules (filled in by the review module)."""
    return recorded_evidence(application)


def facts_for(application) -> tuple[eligibility.PersonFacts, eligibility.ApplicationFacts] | None:
    """Engine input from a case, or None while the case lacks what the engine needs."""
    from ..applications.services import blocking_holders

    if not (application.id_number and application.loan_type and application.amount and application.term_months
            and application.district_code):
        return None
    person = _person(application.id_number, application.id_number_hash, tuple(application.key_group_codes),
                     application.graduation_date, application.declares_no_other_loans, application.id)
    partners = tuple(
        _person(p.id_number, p.id_number_hash, (p.key_group_code,), p.graduation_date,
                p.declares_no_other_loans, application.id, p.id_number_masked or "")
        for p in application.partners
    ) if application.loan_type == "partnership" else None
    holders = tuple(blocking_holders(application))
    facts = eligibility.ApplicationFacts(
        loan_type=application.loan_type, amount=application.amount, term_months=application.term_months,
        district_code=application.district_code, partners_count=application.partners_count, partners=partners,
        staff=application.current_staff, new_key_group_hires=application.new_key_group_hires,
        duplicate=bool(holders), duplicate_holders=holders, evidence=evidence_checks(application))
    return person, facts


def run_engine(application, on: date) -> eligibility.EligibilityResult | None:
    facts = facts_for(application)
    policy = policy_on(on)
    if facts is None or policy is None:
        return None
    return eligibility.evaluate(facts[0], facts[1], policy, on, served_districts(), known_key_groups())


def preview_case(application) -> eligibility.EligibilityResult | None:
    """What the engine would say if the applicant submitted today (nothing stored)."""
    return run_engine(application, application.application_date or local_today())


def _lock_case_row(application) -> None:
    """The case's row before the audit chain's lock (``record`` below), in the order a
    transition takes them (its guarded UPDATE, then its audit row). Without it an approval
    (snapshot, then transition) racing a rejection or a send-back of the same case
    deadlocked on PostgreSQL: each held one lock and waited for the other. No-op on SQLite."""
    from ..applications.models import LoanApplication

    db.session.execute(select(LoanApplication.id).where(LoanApplication.id == application.id)
                       .with_for_update(key_share=True))  # FOR NO KEY UPDATE, as an UPDATE takes


def evaluate_case(application, *, trigger: str, actor=None):
    """Run the engine on the case's application date and store the result as a snapshot."""
    on = application.application_date or local_today()
    result = run_engine(application, on)
    if result is None:
        return None
    _lock_case_row(application)
    record_roster_evidence(application, on, actor=actor)
    snapshot = EligibilitySnapshot(
        application_id=application.id, trigger=trigger, policy_code=result.policy_code, application_date=on,
        eligible=result.eligible, max_amount=result.max_amount, max_term_months=result.max_term_months,
        rules=[{k: v for k, v in asdict(rule).items()} for rule in result.rules],
        evaluated_by_id=getattr(actor, "id", None))
    db.session.add(snapshot)
    db.session.flush()
    record("eligibility", application, actor=actor, trigger=trigger, policy=result.policy_code,
           eligible=result.eligible, snapshot_id=snapshot.id,
           failed=[r.id for r in result.failed] or None)
    return snapshot


def submission_snapshot(application):
    """The result the applicant saw when submitting (SPEC §6: stored with the case)."""
    return db.session.scalar(select(EligibilitySnapshot).where(EligibilitySnapshot.application_id == application.id,
                                                               EligibilitySnapshot.trigger == "submission")
                             .order_by(EligibilitySnapshot.id.desc()).limit(1))


def latest_snapshot(application):
    return db.session.scalar(select(EligibilitySnapshot).where(EligibilitySnapshot.application_id == application.id)
                             .order_by(EligibilitySnapshot.id.desc()).limit(1))


# --- the public pre-check (SPEC §10): no records, no partner details -------------------

@dataclass(frozen=True)
class PrecheckInput:
    """Answers to the pre-check, already in the right types. ``amount`` in yuan."""

    application_date: date
    key_groups: tuple[str, ...]
    loan_type: str
    amount: Decimal
    term_months: int
    district_code: str
    id_number: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    graduation_date: date | None = None
    partners: int = 1
    prior_subsidized_loans: int = 0
    prior_overdue: bool = False
    other_loans: bool = False
    staff: int | None = None
    new_key_group_hires: int | None = None


def precheck_problems(answers: PrecheckInput, *, today: date | None = None) -> dict[str, list[tuple[str, dict]]]:
    """Input the engine cannot judge: ``{field: [(problem code, params), …]}``; empty when fine.

    Codes: ``id_<reason>`` (resident ID, see ``resident_id.REASONS``), ``unknown_key_group``,
    ``no_policy``, ``graduation_date_required``.
    """
    problems: dict[str, list[tuple[str, dict]]] = {}
    if answers.id_number is not None:
        try:
            resident_id.validate(answers.id_number, today or local_today())
        except resident_id.InvalidResidentId as exc:
            problems.setdefault("id_number", []).append((f"id_{exc.reason}", {}))
    unknown = [code for code in dict.fromkeys(answers.key_groups) if code not in known_key_groups()]
    for code in unknown:
        problems.setdefault("key_groups", []).append(("unknown_key_group", {"code": code}))
    if "graduate" in answers.key_groups and answers.graduation_date is None:
        problems.setdefault("graduation_date", []).append(("graduation_date_required", {}))
    if policy_on(answers.application_date) is None:
        problems.setdefault("application_date", []).append(
            ("no_policy", {"date": answers.application_date.isoformat()}))
    return problems


def run_precheck(answers: PrecheckInput) -> eligibility.EligibilityResult:
    """The engine on pre-check answers; call only when ``precheck_problems`` is empty.

    E14 and E13's per-partner part are ``not_applicable`` here: no records, no partners."""
    if answers.id_number is not None:
        number = resident_id.normalize(answers.id_number)
        birth, sex = resident_id.birth_date(number), resident_id.sex(number)
    else:
        birth, sex = answers.birth_date, answers.sex
    person = eligibility.PersonFacts(
        birth_date=birth, sex=sex, key_groups=tuple(answers.key_groups), graduation_date=answers.graduation_date,
        prior_subsidized_loans=answers.prior_subsidized_loans, prior_overdue=answers.prior_overdue,
        other_loans=answers.other_loans)
    facts = eligibility.ApplicationFacts(
        loan_type=answers.loan_type, amount=answers.amount, term_months=answers.term_months,
        district_code=answers.district_code, partners_count=answers.partners, partners=None,
        staff=answers.staff, new_key_group_hires=answers.new_key_group_hires, duplicate=None, evidence={})
    on = answers.application_date
    return eligibility.evaluate(person, facts, policy_on(on), on, served_districts(), known_key_groups())
