"""Per-bank rates, warnings and pauses (SPEC §13), and the leverage notice.

``compute_bank_rates(d)`` stores each bank's overdue and claims rates as at ``d`` (once
per bank and date: a second run updates the same rows and tells no one again). Above the
overdue threshold the bank is warned; strictly above the claims threshold it is paused
(one open pause per bank); a later month-end at or below the threshold lifts the pause
(``lifted_by_id`` None). A city-wide supervisor may lift a pause by hand with a reason.
Warnings, pauses, lifts and leverage at 90 % of the limit are notified to finance,
city-wide supervisors and the bank's clerks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.services import record
from ..auth.models import User
from ..core import fund as rules
from ..db import db
from ..errors import ConcurrentChange, Refused
from ..notifications.services import notify_user
from ..policy.queries import banks
from . import queries
from .models import BankPause, BankRate

def is_month_end(d: date) -> bool:
    return (d + rules.ONE_DAY).day == 1


def percent_text(rate: Decimal | None) -> str:
    """A rate as people read it in a message: "5.21" (percent, two decimals), "—" if none."""
    return rules.show_ratio(rules.percent(rate))


def plain(value: Decimal) -> str:
    """A threshold as typed in the policy: 5, 3.5 (not 5.0000)."""
    return format(value.normalize(), "f")


def recipients(bank_code: str | None = None) -> list[User]:
    """Finance, city-wide supervisors and (for a bank's news) the bank's clerks, active ones."""
    wanted = (User.role == "finance") | ((User.role == "supervisor") & User.district_code.is_(None))
    if bank_code:
        wanted = wanted | ((User.role == "bank") & (User.bank_code == bank_code))
    return list(db.session.scalars(select(User).where(User.active.is_(True), wanted).order_by(User.id)))


def _tell(event: str, bank_code: str | None, **params) -> None:
    for user in recipients(bank_code):
        page = "fund.bank_page" if user.role == "bank" else "fund.index"
        notify_user(user, event, page=page, **params)


@dataclass
class RatesRun:
    on: date
    rates: list[BankRate] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    lifted: list[str] = field(default_factory=list)
    leverage_notice: bool = False

    def as_json(self) -> dict:
        return {"as_of": self.on.isoformat(), "banks": len(self.rates), "warned": self.warned, "paused": self.paused,
                "lifted": self.lifted, "leverage_notice": self.leverage_notice}


def open_pause(bank_code: str) -> BankPause | None:
    return db.session.scalars(select(BankPause).where(BankPause.bank_code == bank_code, BankPause.lifted_on.is_(None))
                              .order_by(BankPause.id).limit(1)).first()


def _store(bank_code: str, d: date, figures: queries.RateFigures, found: rules.BankRates) -> tuple[BankRate, bool]:
    """The bank's row for ``d``, made or brought up to date: (row, it was new)."""
    row = db.session.scalars(select(BankRate).where(BankRate.bank_code == bank_code, BankRate.as_of == d)).first()
    new = row is None
    if new:
        row = BankRate(bank_code=bank_code, as_of=d)
        db.session.add(row)
    row.overdue_principal = figures.overdue_principal
    row.outstanding_principal = figures.outstanding_principal
    row.claims_paid_principal = figures.claims_paid_principal
    row.guarantee_ended_principal = figures.guarantee_ended_principal
    row.overdue_rate, row.claims_rate, row.warned = found.overdue_rate, found.claims_rate, found.warned
    db.session.flush()
    return row, new


def compute_bank_rates(d: date, *, actor=None) -> RatesRun:
    """Store every bank's rates as at ``d`` and act on them (see the module's doc)."""
    params = queries.fund_params(d)
    figures = queries.rate_figures(d, "bank")
    run = RatesRun(on=d)
    for bank in banks():
        found = figures.get(bank.code, queries.RateFigures())
        rates = found.rates(params)
        row, new = _store(bank.code, d, found, rates)
        run.rates.append(row)
        if rates.warned and new:
            run.warned.append(bank.code)
            _tell("bank_warned", bank.code, bank=bank.code, on=d.isoformat(), rate=percent_text(rates.overdue_rate),
                  threshold=plain(params.overdue_warn_pct))
        pause = open_pause(bank.code)
        if rates.pause and pause is None:
            _pause(bank.code, d, row, params, actor)
            run.paused.append(bank.code)
        elif pause is not None and d > pause.paused_on and is_month_end(d) and rules.pause_lifts(rates.claims_rate,
                                                                                                   params):
            lift_pause(pause, on=d, actor=None, reason=None, rate=rates.claims_rate)
            run.lifted.append(bank.code)
    if is_month_end(d):
        run.leverage_notice = _leverage_notice(d)
    return run


def _pause(bank_code: str, d: date, row: BankRate, params: rules.FundParams, actor) -> BankPause:
    pause = BankPause(bank_code=bank_code, paused_on=d, rate_id=row.id, claims_rate=row.claims_rate)
    db.session.add(pause)
    db.session.flush()
    rate = percent_text(row.claims_rate)
    record("bank_paused", pause, actor=actor, bank=bank_code, on=d.isoformat(), claims_rate=f"{rate}%")
    _tell("bank_paused", bank_code, bank=bank_code, on=d.isoformat(), rate=rate, threshold=plain(params.claims_pause_pct))
    return pause


def lift_pause(pause: BankPause, *, on: date, actor, reason: str | None, lock_version: int | None = None,
               rate: Decimal | None = None) -> BankPause:
    """Lift an open pause: by the rates job (``actor`` None, a month-end's rate) or by a
    city-wide supervisor with a reason. Of two clicks exactly one lifts it."""
    if actor is not None:
        if actor.role != "supervisor" or actor.district_code:
            raise Refused(_l("Only a city-wide supervisor may lift a bank's pause."), status=403)
        reason = (reason or "").strip()
        if not reason:
            raise Refused(_l("Give the reason for lifting the pause."), "reason")
    expected = pause.lock_version if lock_version is None else lock_version
    result = db.session.execute(
        update(BankPause).where(BankPause.id == pause.id, BankPause.lifted_on.is_(None),
                                BankPause.lock_version == expected)
        .values(lock_version=BankPause.lock_version + 1, lifted_on=on, lifted_by_id=getattr(actor, "id", None),
                lift_reason=reason)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentChange()  # lifted already (by the job or another click): the page shows it
    db.session.expire(pause)
    detail = {"reason": reason} if reason else {}
    if rate is not None:
        detail["claims_rate"] = f"{percent_text(rate)}%"
    record("bank_pause_lifted", pause, actor=actor, bank=pause.bank_code,
           on=on.isoformat(), **detail)
    _tell("bank_pause_lifted", pause.bank_code, bank=pause.bank_code, on=on.isoformat())
    return pause


def _leverage_notice(d: date) -> bool:
    """Leverage at 90 % of the year's limit or more on a month-end: told once for that day."""
    from ..notifications.models import Notification

    balance, outstanding = queries.fund_balance(d), queries.guaranteed_outstanding(d)
    leverage, limit = rules.ratio(outstanding, balance), queries.leverage_limit(d.year)
    if not rules.leverage_notice(leverage, limit, queries.fund_params(d)):
        return False
    told = db.session.scalars(select(Notification.params).where(Notification.event == "leverage_near_limit"))
    if any(params.get("on") == d.isoformat() for params in told):
        return False
    _tell("leverage_near_limit", None, on=d.isoformat(), leverage=rules.show_ratio(leverage),
          limit=rules.show_ratio(limit))
    return True

