"""Reads for the servicing screens: which loans a user may see, the bank's queue of
approved cases, the loan list (SQL pagination, a bounded number of queries per page) and
the parts of a loan page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import load_only, selectinload

from ..applications.models import LoanApplication
from ..applications import services as application_services
from ..core.workflow import ACTIVE_LOAN_STATUSES, CaseStatus
from ..db import Page, db, paginate
from ..provided import Provided
from ..search.index import narrowed
from .models import FollowUpVisit, Loan, LoanEvent

PAGE_SIZE = 25
AWAITING_LIMIT = 50


def visible_loans(user) -> Select:
    """Loans within the user's scope (SPEC §2): the bank's own, the officer's district,
    the supervisor's district or the city, everything for the auditor, the applicant's own."""
    query = select(Loan)
    if user.role == "bank":
        return query.where(Loan.bank_code == user.bank_code)
    if user.role == "officer":
        return query.where(Loan.district_code == user.district_code)
    if user.role == "supervisor":
        return query.where(Loan.district_code == user.district_code) if user.district_code else query
    if user.role == "auditor":
        return query
    if user.role == "applicant":
        return query.where(Loan.application_id.in_(
            select(LoanApplication.id).where(LoanApplication.applicant_id == user.id)))
    return query.where(False)


def loan_or_404(loan_id: int, user) -> Loan:
    loan = db.session.scalar(visible_loans(user).where(Loan.id == loan_id))
    if loan is None:
        abort(404)
    return loan


def approved_case_or_404(application_id: int, user) -> LoanApplication:
    """A case approved for the clerk's bank, whatever became of it since (contracted,
    declined, expired: the clerk is told, not shown a 404); 404 for anything else."""
    application = db.session.scalar(select(LoanApplication).where(
        LoanApplication.id == application_id, LoanApplication.approved_bank_code == user.bank_code,
        LoanApplication.approved_amount.is_not(None)))
    if application is None or user.role != "bank":
        abort(404)
    return application


# What the loan list page shows of a loan and of a case awaiting a contract
# (servicing/home.html): the rest (encrypted resident IDs, JSON) is neither read nor decrypted.
LIST_COLUMNS = (Loan.id, Loan.loan_ref, Loan.borrower_name, Loan.id_number_masked, Loan.status, Loan.contract_no,
                Loan.contract_date, Loan.amount, Loan.maturity_date, Loan.extended_maturity_date)
AWAITING_COLUMNS = (LoanApplication.id, LoanApplication.reference, LoanApplication.full_name,
                    LoanApplication.id_number_masked, LoanApplication.business_name, LoanApplication.loan_type,
                    LoanApplication.approved_amount, LoanApplication.approved_term_months,
                    LoanApplication.rate_ceiling_rate, LoanApplication.valid_until_date)


def _only(query, columns):
    return query.options(load_only(*columns, raiseload=True)) if columns else query


def _awaiting(user):
    return select(LoanApplication).where(LoanApplication.approved_bank_code == user.bank_code,
                                         LoanApplication.status == CaseStatus.approved.value)


def awaiting_count(user) -> int:
    """How many of the bank's approved cases have no contract yet."""
    return db.session.scalar(_awaiting(user).with_only_columns(func.count()).order_by(None))


def awaiting_contract(user, columns=None) -> tuple[list[LoanApplication], int]:
    """The bank's approved cases without a contract yet, soonest validity end first
    (at most ``AWAITING_LIMIT`` rows, with the total); ``columns``: load only those."""
    query = _awaiting(user)
    total = awaiting_count(user)
    rows = db.session.scalars(_only(query, columns).order_by(LoanApplication.valid_until_date, LoanApplication.id)
                              .limit(AWAITING_LIMIT)).all()
    return list(rows), total


@dataclass
class LoanFilters:
    status: str = ""
    q: str = ""


def _filtered(user, f: LoanFilters, *, with_status: bool = True):
    query = visible_loans(user)
    if with_status and f.status:
        query = query.where(Loan.status == f.status)
    q = f.q.strip()
    if q:
        query = narrowed(query, q, "loan")
    return query


def loans_page(user, f: LoanFilters, page: int | None,
               columns=None) -> tuple[Page, dict[str, int], dict[int, Decimal]]:
    """(the page of loans, counts per status, balance today per row) in three queries (the
    counts give the page's total); ``columns``: load only those of each loan."""
    counted = (_filtered(user, f, with_status=False).with_only_columns(Loan.status, func.count())
               .group_by(Loan.status).order_by(None))
    counts = {getattr(status, "value", status): n for status, n in db.session.execute(counted)}
    total = counts.get(f.status, 0) if f.status else sum(counts.values())
    rows = paginate(_only(_filtered(user, f), columns).order_by(Loan.contract_date.desc(), Loan.id.desc()),
                    page, PAGE_SIZE, total=total)
    return rows, counts, balances([loan.id for loan in rows.items])


def balances(loan_ids: list[int], on: date | None = None) -> dict[int, Decimal]:
    """Outstanding principal per loan (disbursed − repaid, dated ≤ ``on``; all if None)."""
    if not loan_ids:
        return {}
    query = select(LoanEvent.loan_id, LoanEvent.kind, LoanEvent.amount).where(
        LoanEvent.loan_id.in_(loan_ids), LoanEvent.kind.in_(("disbursement", "repayment")))
    if on is not None:
        query = query.where(LoanEvent.event_on <= on)
    result = {loan_id: Decimal(0) for loan_id in loan_ids}
    for loan_id, kind, amount in db.session.execute(query):
        result[loan_id] += amount if kind == "disbursement" else -amount
    return result


def visits(loan: Loan) -> list[FollowUpVisit]:
    return list(db.session.scalars(select(FollowUpVisit).where(FollowUpVisit.loan_id == loan.id)
                                   .order_by(FollowUpVisit.visited_on.desc(), FollowUpVisit.id.desc())))


def loan_for_application(application_id: int) -> Loan | None:
    return db.session.scalar(select(Loan).where(Loan.application_id == application_id)
                             .options(selectinload(Loan.events)))


@application_services.ledger_loan_held.provide
def ledger_loan_held(*, id_number_hash: str | None = None, credit_code: str | None = None) -> bool:
    """Whether an active loan (active, overdue, extended) not tied to an application —
    imported from the bureau's ledger — is held by this resident ID hash or credit code
    (applications asks before a case may block, SPEC §6 E14)."""
    holder = Loan.id_number_hash == id_number_hash if id_number_hash is not None else Loan.credit_code == credit_code
    return db.session.scalar(select(Loan.id).where(
        holder, Loan.application_id.is_(None),
        Loan.status.in_([s.value for s in ACTIVE_LOAN_STATUSES])).limit(1)) is not None


# A loan's subsidy lines are subsidy's (its statements), a package above this one: it provides
# the reader, (statement, line) pairs newest period first; the loan page and the applicant's
# loan show them.
loan_subsidy_history = Provided("a loan's subsidy lines", "subsidy")


# A loan's compensation claims are the guarantee fund's (a package above this one): it provides
# the loan page's claims panel, (loan, viewer, a refused claim form or None) → what the panel shows.
loan_claims_panel = Provided("a loan's compensation claims", "fund")


def token_names(events) -> dict[int, str]:
    """The names of the bank API tokens that recorded these events (the bank connection's
    table, read by name: it sits above this package)."""
    from sqlalchemy import column, table

    ids = {e.token_id for e in events if e.token_id}
    if not ids:
        return {}
    tokens = table("bank_tokens", column("id"), column("name"))
    return dict(db.session.execute(select(tokens.c.id, tokens.c.name).where(tokens.c.id.in_(ids))).tuples().all())
