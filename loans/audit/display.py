"""An audit row in the reader's words: a label for every detail key a row can carry and its
value as a person reads it — amounts in yuan, yes/no, statuses, rules with their titles,
document kinds, key groups, districts and banks by name — never an internal key or code.

``detail_lines(action, detail, names)`` gives the lines the case history shows. Reference
data (key groups, districts, banks) is named by the caller's ``names(kind, code)``: the
audit trail sits below the package that keeps it. A key or code nobody labelled yet still
reads as words ("new_key" → "New key"); tests/audit finds every key the code writes and
fails on one without a label.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _, lazy_gettext as _l

from .. import labels
from ..core.money import format_yuan
from ..i18n import period_name

Names = Callable[[str, str], "str | None"]
"""``names(kind, code)``: the name of a ``"key_group"``, ``"district"`` or ``"bank"`` in the
reader's language, or None when unknown."""


@dataclass(frozen=True)
class Line:
    """One detail of a row: ``label: text``, or a label over several ``parts`` (changes)."""

    label: str
    text: str = ""
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Context:
    action: str
    names: Names


# --- how values read ---------------------------------------------------------------------

def humanize(code) -> str:
    """A code nobody labelled yet, as words: ``"new_key_group"`` → ``"New key group"``."""
    text = re.sub(r"[_\s]+", " ", str(code)).strip()
    return text[:1].upper() + text[1:]


def _code(table: dict, value) -> str:
    value = getattr(value, "value", value)
    return str(table[value]) if value in table else humanize(value)


def _text(value, ctx) -> str:
    """What a person typed or a reference the app made (contract numbers, policy codes)."""
    if isinstance(value, (list, tuple)):
        return " · ".join(_text(v, ctx) for v in value)
    return str(value)


def _period(value, ctx) -> str:
    """A quarter code (2026Q3) in the reader's words."""
    return period_name(str(value))


def _amount(value, ctx) -> str:
    try:
        return format_yuan(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _rate(value, ctx) -> str:
    text = str(value)
    return text if text.endswith("%") else f"{text}%"


def _yes_no(value, ctx) -> str:
    return _("yes") if value else _("no")


def _months(value, ctx) -> str:
    try:
        return _("%(n)d months", n=int(value))
    except (TypeError, ValueError):
        return str(value)


def _table(table: dict):
    def fmt(value, ctx) -> str:
        if isinstance(value, (list, tuple)):
            return " · ".join(_code(table, v) for v in value)
        return _code(table, value)
    return fmt


def _named(kind: str):
    def fmt(value, ctx) -> str:
        if isinstance(value, (list, tuple)):
            return " · ".join(fmt(v, ctx) for v in value) or "—"
        return ctx.names(kind, value) or humanize(value)
    return fmt


def _rules(value, ctx) -> str:
    values = value if isinstance(value, (list, tuple)) else [value]
    return " · ".join(labels.rule_title(v) for v in values)


def _fields(value, ctx) -> str:
    return " · ".join(_field_label(name, ctx) for name in (value or ()))


def _files(value, ctx) -> str:
    """A ledger import's files: ``[{"name", "sha256", "rows"}]``."""
    out = []
    for f in value or ():
        if isinstance(f, dict):
            out.append(_("%(name)s (%(rows)s rows)", name=f.get("name", ""), rows=f.get("rows", "?")))
        else:
            out.append(str(f))
    return " · ".join(out)


def _changes(value, ctx) -> tuple[str, ...]:
    """``{field: [old, new]}`` → "Field: old → new" per field."""
    if not isinstance(value, dict):
        return (_format(value, ctx),)
    parts = []
    for name, pair in value.items():
        old, new = (pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else (None, pair))
        parts.append(f"{_field_label(name, ctx)}: {_field_value(name, old, ctx)} → {_field_value(name, new, ctx)}")
    return tuple(parts)


def _params(value, ctx) -> tuple[str, ...]:
    """``{field: value}`` → "Field: value" per field."""
    if not isinstance(value, dict):
        return (_format(value, ctx),)
    return tuple(f"{_field_label(name, ctx)}: {_field_value(name, v, ctx)}" for name, v in value.items())


def _days_changed(value, ctx) -> tuple[str, ...]:
    """A calendar import's changed days: ``{date: {field: [old, new]}}``."""
    if not isinstance(value, dict):
        return (_format(value, ctx),)
    return tuple(f"{day}: " + "; ".join(_changes(changes, ctx)) for day, changes in value.items())


CONSENT = {"sensitive_personal_information": _l("Processing of sensitive personal information")}
SOURCE = {"precheck": _l("The eligibility pre-check")}
RECOMMENDATION = {"approve": _l("Approve"), "reject": _l("Reject")}
# Fixed reasons the app writes itself (the daily ``loans check``).
SYSTEM_REASON = {"past maturity": _l("Past maturity with a balance left"),
                 "repayment recorded": _l("A repayment was recorded while the claim was pending"),
                 "overdue ended": _l("The overdue period ended while the claim was pending")}


def _policy_param(name: str):
    if name.startswith("regime_") and not name.endswith("_value"):
        return _table(labels.SUBSIDY_REGIME)
    if name in labels.POLICY_MONEY_PARAMS:
        return _amount
    return _text


def _reason(value, ctx) -> str:
    return str(SYSTEM_REASON[value]) if value in SYSTEM_REASON else str(value)


# Hidden: links between records that a reader cannot use (the page shows what they point to).
HIDDEN = None

# key → (label, how its value reads). The same names serve the fields inside "changes",
# "params" and "fields" (a field of a case, a policy version, a key group or a calendar day).
DETAIL: dict[str, tuple] = {
    # the case
    "message": (_l("Message"), _text),
    "documents": (_l("Documents"), _table(labels.DOCUMENT_KIND)),
    "reason": (_l("Reason"), _reason),
    "amount": (_l("Amount"), _amount),
    "recommendation": (_l("Recommendation"), _table(RECOMMENDATION)),
    "valid_until": (_l("Valid until"), _text),
    "rule": (_l("Rule"), _rules),
    "verified": (_l("Verified"), _yes_no),
    "note": (_l("Note"), _text),
    "trigger": (_l("Checked"), _table(labels.SNAPSHOT_TRIGGER)),
    "policy": (_l("Policy version"), _text),
    "eligible": (_l("Eligible"), _yes_no),
    "failed": (_l("Rules that fail"), _rules),
    "step": (_l("Step"), _table(labels.STEP)),
    "changes": (_l("Changes"), _changes),
    "kind": (_l("Document"), _table(labels.DOCUMENT_KIND)),
    "key_group": (_l("Key group"), _named("key_group")),
    "sha256": ("SHA-256", _text),
    "consent": (_l("Consent"), _table(CONSENT)),
    "text_version": (_l("Consent text version"), _text),
    "source": (_l("Started from"), _table(SOURCE)),
    "fields": (_l("Answers carried over"), _fields),
    "reference": (_l("Letter reference"), _text),
    # the case's own fields (corrections, answers carried over from the pre-check)
    "full_name": (_l("Full name"), _text),
    "id_number": (_l("Resident ID number"), _text),
    "mobile": (_l("Mobile number"), _text),
    "code_for": (_l("Code for"), _table(labels.SMS_CODE_PURPOSE)),
    "by_code": (_l("With an SMS code"), _yes_no),
    "confirmed_with": (_l("Confirmed with"), _table(labels.CONFIRMED_WITH)),
    "partner": (_l("Partner"), _text),
    "household_district_code": (_l("Household district"), _named("district")),
    "education": (_l("Education"), _table(labels.EDUCATION)),
    "graduation_date": (_l("Graduation date"), _text),
    "birth_date": (_l("Date of birth"), _text),
    "sex": (_l("Sex"), _table(labels.SEX)),
    "key_groups": (_l("Key groups"), _named("key_group")),
    "loan_type": (_l("Loan type"), _table(labels.LOAN_TYPE)),
    "business_name": (_l("Business name"), _text),
    "credit_code": (_l("Credit code"), _text),
    "district_code": (_l("District"), _named("district")),
    "business_address": (_l("Address"), _text),
    "industry": (_l("Industry"), _text),
    "business_start_date": (_l("Start date"), _text),
    "current_staff": (_l("Current staff"), _text),
    "staff": (_l("Current staff"), _text),
    "planned_jobs": (_l("Planned jobs"), _text),
    "new_key_group_hires": (_l("Key-group hires this year"), _text),
    "term_months": (_l("Term"), _months),
    "purpose": (_l("Purpose"), _text),
    "preferred_bank_code": (_l("Preferred bank"), _named("bank")),
    "partners": (_l("People in the partnership, you included"), _text),
    "prior_subsidized_loans": (_l("Earlier subsidised loans"), _text),
    "prior_overdue": (_l("An earlier loan was overdue"), _yes_no),
    "other_loans": (_l("Other outstanding loans"), _yes_no),
    "declares_no_other_loans": (_l("No other loans beyond the allowed kinds"), _yes_no),
    "consents_credit_check": (_l("Consent to a credit check"), _yes_no),
    "declares_truthful": (_l("Information is true and complete"), _yes_no),
    # the loan
    "contract_no": (_l("Contract number"), _text),
    "contract_date": (_l("Contract date"), _text),
    "contract_rate": (_l("Contract rate"), _rate),
    "lpr": (_l("LPR₀ (on the contract date)"), _rate),
    "maturity": (_l("Maturity"), _text),
    "previous_maturity": (_l("Previous maturity date"), _text),
    "new_maturity": (_l("New maturity date"), _text),
    "loan_ref": (_l("Loan reference"), _text),
    "on": (_l("Date"), _text),
    "owners": (_l("Owners working in the business"), _text),
    "employees": (_l("Employees with labour contracts"), _text),
    # users
    "role": (_l("Role"), _table(labels.ROLE)),
    "district": (_l("District"), _named("district")),
    "bank": (_l("Bank"), _named("bank")),
    # reference data
    "code": (_l("Code"), _text),
    "new_code": (_l("New version"), _text),
    "effective_from": (labels.POLICY_PARAM["effective_from"], _text),
    "params": (_l("Parameters"), _params),
    "published_on": (_l("Publication date"), _text),
    "rate": (_l("1-year LPR"), _rate),
    "label_zh": (_l("Name (Chinese)"), _text),
    "label_en": (_l("Name (English)"), _text),
    "evidence_zh": (_l("Evidence (Chinese)"), _text),
    "evidence_en": (_l("Evidence (English)"), _text),
    "sensitive": (_l("Sensitive personal information"), _yes_no),
    "active": (_l("Offered to applicants"), _yes_no),
    "sort_order": (_l("Order in lists"), _text),
    "date": (_l("Date"), _text),
    "name": (_l("Festival"), _text),
    "file": (_l("File"), _text),
    "years": (_l("Years"), _text),
    "added": (_l("Days added"), _text),
    "changed": (_l("Days changed"), _days_changed),
    "unchanged": (_l("Days unchanged"), _text),
    # the ledger
    "files": (_l("Files"), _files),
    "loans_added": (_l("Loans added"), _text),
    "loans_unchanged": (_l("Loans unchanged"), _text),
    "events_added": (_l("Loan events added"), _text),
    "events_unchanged": (_l("Loan events unchanged"), _text),
    "problems": (_l("Problems found"), _text),
    # registry rosters (SPEC §15)
    "entries": (_l("Roster entries"), _text),
    "entries_replaced": (_l("Entries replaced"), _text),
    "roster_as_of": (_l("Roster as of"), _text),
    # subsidy statements
    "period": (_l("Period"), _period),
    "version": (_l("Version"), _text),
    "lines": (_l("Lines"), _text),
    "adjustments": (_l("Adjustments for earlier periods"), _text),
    "adjustments_total": (_l("Adjustments total"), _amount),
    "adjustments_dropped": (_l("Adjustments removed from drafts"), _text),
    "total": (_l("Total"), _amount),
    "comment": (_l("Comment"), _text),
    "paid_on": (_l("Payment date"), _text),
    "voucher_no": (_l("Voucher number"), _text),
    # the bank API (SPEC §12): which token acted, never the token itself
    "token": (_l("API token"), _text),
    "token_name": (_l("API token name"), _text),
    "prefix": (_l("API token"), _text),
    "bank": (_l("Bank"), _text),
    "expires_at": (_l("Expires"), _text),
    "allowed_ips": (_l("Allowed addresses"), _text),
    "bank_ref": (_l("Bank reference"), _text),
    "replaced_on": (_l("Date the app had set"), _text),
    # the guarantee fund (SPEC §13)
    "movement": (_l("Movement"), _table(labels.FUND_MOVEMENT_KIND)),
    "via": (_l("Entered through"), _table(labels.FUND_MOVEMENT_VIA)),
    "claims_rate": (_l("Claims rate"), _text),
    # an approval over the fund check (SPEC §13)
    "refusals": (_l("Fund check refused for"), _table(labels.FUND_REFUSAL)),
    "projected": (_l("Projected leverage (times)"), _text),
    "limit": (_l("Leverage limit (times)"), _text),
    "fund_balance": (_l("Fund balance"), _amount),
    # compensation claims, recoveries and write-offs (SPEC §13)
    "claim_date": (_l("Claim date"), _text),
    "overdue_since": (_l("Overdue since"), _text),
    "principal": (_l("Claimed principal"), _amount),
    "interest": (_l("Claimed interest"), _amount),
    "fund_share": (_l("Fund's share"), _amount),
    "bank_share": (_l("Bank's share"), _amount),
    "claim_id": HIDDEN,
    "recovery_id": HIDDEN,
    "write_off_id": HIDDEN,
    "movement_id": HIDDEN,
    # links to other records, not for reading
    "token_id": HIDDEN,
    "snapshot_id": HIDDEN,
    "document_id": HIDDEN,
    "event_id": HIDDEN,
    "visit_id": HIDDEN,
    "new_version_id": HIDDEN,
}
# a policy version's parameters
DETAIL.update({name: (label, _policy_param(name)) for name, label in labels.POLICY_PARAM.items()
               if name not in DETAIL})

# The same key in another action's row means something else.
BY_ACTION: dict[tuple[str, str], tuple] = {
    **{(action, "kind"): (_l("Kind of day"), _table(labels.DAY_KIND))
       for action in ("calendar_day_add", "calendar_day_edit", "calendar_day_remove", "calendar_import")},
    **{(action, "code"): (_l("Key group"), _named("key_group")) for action in ("key_group_add", "key_group_edit")},
}


def _spec(key: str, ctx: _Context):
    """(label, how the value reads) of ``key`` in a row of ``ctx.action``; HIDDEN for links."""
    if (ctx.action, key) in BY_ACTION:
        return BY_ACTION[(ctx.action, key)]
    if key in DETAIL:
        return DETAIL[key]
    return (humanize(key), None)  # a key nobody labelled yet


def _format(value, ctx) -> str:
    """A value with no reading of its own, readable all the same."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _yes_no(value, ctx)
    if isinstance(value, dict):
        return "; ".join(f"{humanize(k)}: {_format(v, ctx)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return " · ".join(_format(v, ctx) for v in value)
    return str(value)


def _field_label(name: str, ctx: _Context) -> str:
    """A field of a change: ``"graduation_date"``, or a partner's ``"431002********123X graduation_date"``."""
    who, _sep, field = str(name).rpartition(" ")
    spec = _spec(field, ctx)
    label = humanize(field) if spec is HIDDEN else str(spec[0])
    return f"{who} {label}" if who else label


def _field_value(name: str, value, ctx: _Context) -> str:
    if value is None or value == "" or value == []:
        return "—"
    spec = _spec(str(name).rpartition(" ")[2], ctx)
    fmt = None if spec is HIDDEN else spec[1]
    if fmt is None or fmt in (_changes, _params, _days_changed):  # no nesting inside a change
        return _format(value, ctx)
    return str(fmt(value, ctx))


def detail_lines(action: str, detail: dict | None, names: Names) -> list[Line]:
    """The lines of one audit row's details, labelled and worded for the reader."""
    ctx = _Context(str(getattr(action, "value", action)), names)
    lines = []
    for key, value in (detail or {}).items():
        spec = _spec(key, ctx)
        if spec is HIDDEN:
            continue
        label, fmt = spec
        if fmt is None or value is None:
            lines.append(Line(str(label), _format(value, ctx)))
            continue
        shown = fmt(value, ctx)
        if isinstance(shown, tuple):
            lines.append(Line(str(label), parts=shown))
        else:
            lines.append(Line(str(label), shown))
    return lines
