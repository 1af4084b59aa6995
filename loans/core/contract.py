"""What a bank may sign on an approved case: the checks of a loan contract's terms against
the approval, as problems (a field and a message code), first problem first.

Pure: the caller reads the approval, today's date and the rate ceiling in force on the
contract date, and turns a problem into the message the bank sees.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ContractTerms:
    """What the bank typed; amounts in yuan, the rate in percent per year."""

    contract_no: str
    contract_date: date | None
    amount: Decimal | None
    term_months: int | None
    contract_rate: Decimal | None


@dataclass(frozen=True)
class Approval:
    """What the supervisor approved: amount in yuan, term in months, the decision date and
    the last day a contract may be signed on it (None: no such limit recorded)."""

    amount: Decimal
    term_months: int
    decided_on: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class Problem:
    """``field`` is the form field the problem belongs to (None: the whole form); ``code``
    names the message; ``params`` are the values the message shows."""

    field: str | None
    code: str
    params: dict = field(default_factory=dict)


def contract_problems(terms: ContractTerms, approval: Approval, *, today: date,
                      ceiling: tuple[Decimal, Decimal] | None) -> list[Problem]:
    """Every problem of ``terms`` in the order the form shows them. ``ceiling`` is
    (LPR₀, LPR₀ + cap) in force on the contract date, None when no policy version or LPR
    fixing is. A contract rate above the ceiling is no problem (the part above it earns no
    subsidy; the caller warns)."""
    problems = []
    if not (terms.contract_no or "").strip():
        problems.append(Problem("contract_no", "contract_no_missing"))
    on = terms.contract_date
    if on is None:
        problems.append(Problem("contract_date", "contract_date_missing"))
    elif on > today:
        problems.append(Problem("contract_date", "contract_date_in_future"))
    elif approval.decided_on and on < approval.decided_on:
        problems.append(Problem("contract_date", "contract_date_before_approval", {"date": approval.decided_on}))
    elif approval.valid_until and on > approval.valid_until:
        problems.append(Problem("contract_date", "contract_date_after_validity", {"date": approval.valid_until}))
    if terms.amount is None or terms.amount <= 0:
        problems.append(Problem("amount", "amount_not_positive"))
    elif terms.amount > approval.amount:
        problems.append(Problem("amount", "amount_above_approval", {"amount": approval.amount}))
    if not terms.term_months or not 1 <= terms.term_months <= approval.term_months:
        problems.append(Problem("term_months", "term_out_of_range", {"months": approval.term_months}))
    if terms.contract_rate is None or terms.contract_rate <= 0:
        problems.append(Problem("contract_rate", "rate_missing"))
    if on is not None and ceiling is None:
        problems.append(Problem("contract_date", "no_policy_in_force"))
    return problems
