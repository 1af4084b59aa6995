"""The messages (SPEC §15), one template per event, in both languages: the full text for the
in-app list and emails, and a short SMS text (at most 70 characters with the signature and
the longest parameters; no resident ID; links only as the app's short links). The SMS
parameters are listed in order: Tencent Cloud's approved templates take them as {1}, {2}…

``essential`` messages (information requests, decisions, expiry; one-time codes later) go
on every channel the person has, whatever their preferences, and at any hour for codes."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from ..labels import STATUS, label

# Parameters at their longest, for the length test and the README: an application
# reference, a date, a short link on a public address of up to 24 characters
# (https://dkbt.czrs.gov.cn): a longer LOANS_PUBLIC_BASE_URL needs shorter texts.
LONGEST = {"ref": "A2026-000123", "date": "2026-12-31", "link": "https://dkbt.czrs.gov.cn/s/AbCdEfGh",
           "status": "information_requested", "months": "12", "step": "approved",
           "code": "123456"}


@dataclass(frozen=True)
class Template:
    key: str
    text: Callable[[dict], str]
    sms: Callable[[dict], str]
    sms_params: tuple[str, ...] = ("link",)
    essential: bool = False
    essential_code: bool = False  # one-time codes: sent at any hour (none yet)


def _p(params: dict, name: str) -> str:
    return str(params.get(name, ""))


def _status(params: dict) -> str:
    return _("Your application %(ref)s is now: %(status)s.", ref=_p(params, "ref"),
             status=label(STATUS, params.get("status")))


def _info(params: dict) -> str:
    return _("The officer needs more information on your application %(ref)s: %(message)s",
             ref=_p(params, "ref"), message=_p(params, "message"))


def _revoked(params: dict) -> str:
    return _("The approval letter for %(ref)s has been revoked: %(reason)s", ref=_p(params, "ref"),
             reason=_p(params, "reason"))


def _bank_warned(params: dict) -> str:
    return _("Bank %(bank)s: overdue rate %(rate)s%% on %(on)s is above the %(threshold)s%% threshold.",
             bank=_p(params, "bank"), rate=_p(params, "rate"), on=_p(params, "on"), threshold=_p(params, "threshold"))


def _bank_paused(params: dict) -> str:
    return _("Bank %(bank)s: claims rate %(rate)s%% on %(on)s is above %(threshold)s%%; new approvals naming it "
             "are paused.", bank=_p(params, "bank"), rate=_p(params, "rate"), on=_p(params, "on"),
             threshold=_p(params, "threshold"))


def _bank_pause_lifted(params: dict) -> str:
    return _("Bank %(bank)s: the pause on new approvals was lifted on %(on)s.", bank=_p(params, "bank"),
             on=_p(params, "on"))


def _leverage(params: dict) -> str:
    return _("Guarantee fund: leverage %(leverage)s on %(on)s is at 90%% of the limit %(limit)s or above.",
             leverage=_p(params, "leverage"), on=_p(params, "on"), limit=_p(params, "limit"))


def _fund_sms(params: dict) -> str:
    return _("Fund warning: %(link)s", link=_p(params, "link"))


def _case_sms(params: dict) -> str:
    return _("News on %(ref)s: %(link)s", ref=_p(params, "ref"), link=_p(params, "link"))


def _claim_step(params: dict) -> str:
    step, claim = params.get("step"), _p(params, "claim")
    if step == "filed":
        return _("Compensation claim on loan %(claim)s was filed and awaits your check.", claim=claim)
    if step == "checked":
        return _("Compensation claim on loan %(claim)s was checked and awaits your approval.", claim=claim)
    if step == "approved":
        return _("Compensation claim on loan %(claim)s was approved and awaits payment.", claim=claim)
    return _("Compensation claim on loan %(claim)s was paid.", claim=claim)


TEMPLATES: dict[str, Template] = {t.key: t for t in [
    Template("received", lambda p: _("We received your application %(ref)s.", ref=_p(p, "ref")),
             lambda p: _("Application %(ref)s received.", ref=_p(p, "ref")), ("ref",)),
    Template("status", _status, _case_sms, ("ref", "link")),
    Template("decision", _status, lambda p: _("Decision on %(ref)s: %(link)s", ref=_p(p, "ref"),
                                              link=_p(p, "link")), ("ref", "link"), essential=True),
    Template("info_requested", _info,
             lambda p: _("Info needed on %(ref)s: %(link)s", ref=_p(p, "ref"), link=_p(p, "link")),
             ("ref", "link"), essential=True),
    Template("letter_revoked", _revoked, _case_sms, ("ref", "link"), essential=True),
    Template("expiry_soon", lambda p: _("Your approval %(ref)s expires on %(date)s: sign the loan contract before "
                                        "then.", ref=_p(p, "ref"), date=_p(p, "date")),
             lambda p: _("Approval %(ref)s expires %(date)s", ref=_p(p, "ref"), date=_p(p, "date")),
             ("ref", "date"), essential=True),
    Template("expiry_soon_bank", lambda p: _("The approval %(ref)s naming your bank expires on %(date)s.",
                                             ref=_p(p, "ref"), date=_p(p, "date")),
             lambda p: _("Approval %(ref)s expires %(date)s", ref=_p(p, "ref"), date=_p(p, "date")),
             ("ref", "date"), essential=True),
    Template("contract_recorded", lambda p: _("The loan contract for your application %(ref)s was recorded.",
                                              ref=_p(p, "ref")),
             lambda p: _("Loan contract for %(ref)s recorded.", ref=_p(p, "ref")), ("ref",)),
    Template("subsidy_paid", lambda p: _("The interest subsidy on your loan for %(period)s was paid to the bank.",
                                         period=_p(p, "period")),
             lambda p: _("Subsidy paid: %(link)s", link=_p(p, "link"))),
    Template("visit_due", lambda p: _("Loan %(loan)s: the %(months)s-month follow-up visit is due since %(date)s.",
                                      loan=_p(p, "loan"), months=_p(p, "months"), date=_p(p, "date")),
             lambda p: _("Visit due: %(link)s", link=_p(p, "link"))),
    Template("case_late", lambda p: _("Case %(ref)s is past its target of %(days)s working days.", ref=_p(p, "ref"),
                                      days=_p(p, "days")),
             lambda p: _("Case %(ref)s late: %(link)s", ref=_p(p, "ref"), link=_p(p, "link")), ("ref", "link")),
    Template("statement_review", lambda p: _("Subsidy statement %(statement)s awaits your review.",
                                             statement=_p(p, "statement")),
             lambda p: _("Statement awaits you: %(link)s", link=_p(p, "link"))),
    Template("statement_approval", lambda p: _("Subsidy statement %(statement)s was reviewed and awaits your "
                                               "approval.", statement=_p(p, "statement")),
             lambda p: _("Statement awaits you: %(link)s", link=_p(p, "link"))),
    Template("claim_step", _claim_step, lambda p: _("Claim awaits you: %(link)s", link=_p(p, "link"))),
    Template("bank_warned", _bank_warned, _fund_sms),
    Template("bank_paused", _bank_paused, _fund_sms),
    Template("bank_pause_lifted", _bank_pause_lifted, _fund_sms),
    Template("leverage_near_limit", _leverage, _fund_sms),
    # One-time codes (loans/auth/codes.py): the outbox row holds the code row's id, never the
    # code; the code's job renders the SMS with the value it reads from the code row.
    Template("sms_code", lambda p: _("Your one-time code: %(code)s. It is valid for 5 minutes; never share it.",
                                     code=_p(p, "code")),
             lambda p: _("Code %(code)s, valid 5 minutes. Never share it.", code=_p(p, "code")), ("code",),
             essential=True, essential_code=True),
]}

# Fund warnings and other staff messages that name no application: their email subject.
FUND_EVENTS = frozenset({"bank_warned", "bank_paused", "bank_pause_lifted", "leverage_near_limit"})
STAFF_EVENTS = FUND_EVENTS | {"visit_due", "statement_review", "statement_approval", "claim_step",
                              "expiry_soon_bank"}


def render(event: str, params: dict) -> str:
    """The full message (in-app list, email), in the current locale."""
    template = TEMPLATES.get(event)
    if template is None:
        return _("There is news about your application %(ref)s.", ref=_p(params, "ref"))
    return template.text(params)


def render_sms(event: str, params: dict, sign: str) -> str:
    """The SMS as the phone shows it: the signature, then the short text."""
    template = TEMPLATES.get(event)
    text = template.sms(params) if template else _case_sms(params)
    return f"{sign}{text}"


def is_essential(event: str) -> bool:
    template = TEMPLATES.get(event)
    return bool(template and template.essential)
