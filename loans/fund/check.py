"""The fund check on an approval (SPEC §13): projected leverage within the year's limit, a
positive fund balance and a bank that is not paused — or a city-wide supervisor's
override with a written reason (audited, shown on the case and the fund page).

The check and the approval are serialised: ``lock_fund`` updates the one ``fund_lock`` row
first, which holds PostgreSQL's row lock (and SQLite's write lock) until the approval
commits, so two approvals never both pass on the same headroom.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from ..audit.services import record
from ..core import fund as core_fund
from ..core.money import format_yuan
from ..core.workflow import Role
from ..db import db
from ..errors import Refused
from . import queries
from .models import ApprovalOverride, FundLock

MAX_REASON = 2000


@dataclass(frozen=True)
class FundCheck:
    """The check of one approval, with the figures it rests on (for the case page)."""

    amount: Decimal
    bank_code: str | None
    fund_balance: Decimal
    guaranteed_outstanding: Decimal
    undrawn: Decimal
    result: core_fund.ApprovalCheck

    @property
    def passes(self) -> bool:
        return self.result.passes

    @property
    def projected_text(self) -> str:
        return core_fund.show_ratio(self.result.projected)

    @property
    def limit_text(self) -> str:
        return core_fund.show_ratio(self.result.limit)


def lock_fund() -> None:
    """Take the fund's lock for the rest of the transaction (one approval at a time)."""
    result = db.session.execute(update(FundLock).where(FundLock.id == 1).values(version=FundLock.version + 1))
    if result.rowcount == 0:  # a database restored without the row: create it, once
        db.session.execute(insert(FundLock).values(id=1, version=1))


def fund_check(application, amount: Decimal, today: date) -> FundCheck:
    """The §13 check of approving ``amount`` for ``application`` today (no lock taken)."""
    position = queries.fund_position(today)
    bank = application.recommended_bank_code
    paused = bank is not None and bank in queries.paused_bank_codes(today)
    result = core_fund.approval_check(
        guaranteed_outstanding=position.guaranteed_outstanding, undrawn_approvals=position.undrawn,
        amount=amount, fund_balance=position.balance, limit=position.limit, bank_paused=paused)
    return FundCheck(amount, bank, position.balance, position.guaranteed_outstanding, position.undrawn, result)


def refusal_texts(check: FundCheck) -> list[str]:
    """Why the fund check refuses, one sentence per reason, in the reader's language."""
    texts = []
    for refusal in check.result.refusals:
        if refusal == core_fund.Refusal.fund_not_positive:
            texts.append(str(_l("The guarantee fund's balance is %(balance)s: with no positive balance no loan "
                                "can be guaranteed.", balance=format_yuan(check.fund_balance))))
        elif refusal == core_fund.Refusal.leverage_above_limit:
            texts.append(str(_l("Approving %(amount)s would take the fund's leverage to %(projected)s×, above this "
                                "year's limit of %(limit)s×.", amount=format_yuan(check.amount),
                                projected=check.projected_text, limit=check.limit_text)))
        elif refusal == core_fund.Refusal.bank_paused:
            texts.append(str(_l("New approvals naming %(bank)s are paused because of its claims rate; the officer "
                                "should propose another bank.", bank=check.bank_code)))
    return texts


def is_citywide_supervisor(user) -> bool:
    return user is not None and user.role == Role.supervisor and user.district_code is None


def check_approval(application, *, actor, amount: Decimal, today: date,
                   override_reason: str = "") -> ApprovalOverride | None:
    """Lock the fund, check the approval; refuse it, or record a city-wide supervisor's
    override when a reason is given. Returns the override, or None when the check passed."""
    lock_fund()
    check = fund_check(application, amount, today)
    if check.passes:
        return None
    reasons = " ".join(refusal_texts(check))
    override_reason = (override_reason or "").strip()
    if not override_reason:
        if is_citywide_supervisor(actor):
            raise Refused(_l("%(reasons)s To approve anyway, give a written reason for overriding the fund check.",
                             reasons=reasons), "override_reason")
        raise Refused(_l("%(reasons)s Only a city-wide supervisor may override the fund check.", reasons=reasons))
    if not is_citywide_supervisor(actor):
        raise Refused(_l("Only a city-wide supervisor may override the fund check."), "override_reason",
                      status=403)
    if len(override_reason) > MAX_REASON:
        raise Refused(_l("The reason is longer than %(n)d characters.", n=MAX_REASON), "override_reason")
    override = ApprovalOverride(
        application_id=application.id, actor_id=actor.id, reason=override_reason,
        refusals=",".join(r.value for r in check.result.refusals), projected=check.result.projected,
        limit=check.result.limit, fund_balance=check.fund_balance, bank_code=check.bank_code)
    db.session.add(override)
    db.session.flush()
    record("fund_override", application, actor=actor, reason=override_reason,
           refusals=[r.value for r in check.result.refusals], projected=check.projected_text, limit=check.limit_text,
           fund_balance=str(check.fund_balance), bank=check.bank_code)
    return override


def overrides_of(application) -> list[ApprovalOverride]:
    return list(db.session.scalars(select(ApprovalOverride).where(ApprovalOverride.application_id == application.id)
                                   .order_by(ApprovalOverride.id)))
