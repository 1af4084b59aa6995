"""The case history in words (issue 11, item 10): every audit action kind the code writes,
with the details its writer records, reads in Chinese and in English without an internal
key (``id_card``, ``contract_no``, ``loan_ref``…) or a bare code (``under_review``,
``precheck``, ``lpr_margin``…).

The kinds and keys are read from the code (every call of the audit writer and of the
functions that hand their keywords on to it), so a new kind or key without a label fails
here; ``PAYLOADS`` must hold a representative row for every kind."""
from __future__ import annotations

import ast
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import gettext

from loans import labels
from loans.audit import display
from loans.audit.models import AuditEvent
from loans.core.dates import DayKind
from loans.core.workflow import Action, CaseStatus
from loans.servicing.models import EventKind
from tests.helpers import text

LOANS = Path(__file__).resolve().parents[2] / "loans"
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")

# The audit writer, and the functions that pass their keywords on to it as details.
WRITERS = {"record", "transition", "_key_group_record", "_apply"}
NOT_DETAIL = {"obj", "object_type", "object_id", "from_state", "to_state", "actor", "expected_version"}


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def written() -> tuple[set[str], set[str]]:
    """(action kinds, detail keys) that the code writes into the audit trail."""
    from loans.policy.services import KEY_GROUP_FIELDS

    actions, keys = set(), set()
    for path in LOANS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and _called(node) in WRITERS):
                continue
            keys |= {k.arg for k in node.keywords if k.arg and k.arg not in NOT_DETAIL}
            if _called(node) in ("record", "_key_group_record") and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                actions.add(node.args[0].value)
    # transition() records the Action; a loan event is recorded under its kind; a new key
    # group's row carries its fields (**{name: … for name in KEY_GROUP_FIELDS}).
    actions |= {a.value for a in Action} | {k.value for k in EventKind}
    keys |= set(KEY_GROUP_FIELDS)
    return actions, keys


def _case_changes() -> dict:
    """A correction of every field the applicant may correct after submission, old → new."""
    from loans.applications.services import CORRECTABLE

    samples = {
        "full_name": ["张三", "张叁"], "mobile": ["13800000001", "13900000002"],
        "household_district_code": ["431002", "431003"], "education": ["senior_high", "bachelor"],
        "graduation_date": [None, "2024-06-30"], "business_name": ["张记小吃", "张记小吃店"],
        "credit_code": ["", "91431002MA4L0AAA0X"], "business_address": ["北湖区人民路1号", "北湖区人民路2号"],
        "industry": ["餐饮", "零售"], "business_start_date": ["2026-01-01", "2026-02-01"],
        "current_staff": [2, 3], "planned_jobs": [3, 5], "new_key_group_hires": [None, 1],
        "amount": ["200000.00", "150000.00"], "term_months": [24, 36], "purpose": ["购置设备", "购置设备和原材料"],
        "preferred_bank_code": ["ICBC-CZ", "CZRCB"], "declares_no_other_loans": [False, True],
        "consents_credit_check": [False, True], "declares_truthful": [False, True],
    }
    fields = [name for names in CORRECTABLE.values() for name in names]
    assert set(fields) <= set(samples), f"add a sample correction for {set(fields) - set(samples)}"
    changes = {name: samples[name] for name in fields}
    changes["key_groups"] = [["graduate"], ["graduate", "veteran"]]
    changes["431002********123X graduation_date"] = [None, "2023-07-01"]  # a partner's fact
    changes["431002********123X declares_no_other_loans"] = [False, True]
    return changes


def _precheck_fields() -> list[str]:
    from loans.eligibility.forms import PrecheckForm

    return [f.name for f in PrecheckForm(meta={"csrf": False})]


def _policy_params(app) -> dict:
    from loans.policy.models import PolicyVersion
    from loans.policy.services import PARAM_FIELDS, _plain
    from loans.db import db

    version = db.session.query(PolicyVersion).first()
    return {name: _plain(getattr(version, name), name) for name in PARAM_FIELDS}


def payloads(app) -> dict[str, dict]:
    """A representative row of every action kind: the details its writer records."""
    params = _policy_params(app)
    key_group = {"label_zh": "退役渔民", "label_en": "Retired fishermen", "evidence_zh": "退捕渔民证明",
                 "evidence_en": "Certificate of a retired fisherman", "sensitive": False, "active": True,
                 "sort_order": 5}
    on = {"on": "2025-11-01"}
    return {
        "create": {}, "submit": {}, "take": {}, "note": {}, "reveal_id": {}, "register": {"by_code": True},
        "change_password": {}, "reset_password": {}, "subsidy_approve": {},
        "sms_code_sent": {"mobile": "139****5678", "code_for": "confirm_case"}, "login_by_code": {},
        "person_confirmed": {"confirmed_with": "code", "text_version": "2026-01"}, "take_over": {},
        "partner_confirmed": {"partner": "431002********123X", "confirmed_with": "scan", "document_id": 3},
        "withdraw": {"reason": "不需要了"},
        "request_info": {"message": "请补充营业执照", "documents": ["id_card", "business_licence", "key_group"]},
        "answer_info": {"message": "已上传"},
        "recommend": {"recommendation": "approve", "amount": "150000.00"},
        "approve": {"reason": "同意", "amount": "150000.00"},
        "reject": {"reason": "经营地不在本市"},
        "send_back": {"reason": "请核实经营地"},
        "expire": {"valid_until": "2026-03-01"},
        "eligibility": {"trigger": "submission", "policy": "HN-2023", "eligible": False, "snapshot_id": 7,
                        "failed": ["E01", "E13"]},
        "correct": {"step": "business", "changes": _case_changes()},
        "evidence": {"rule": "E08", "verified": True, "note": "征信报告无不良记录"},
        "consent": {"consent": "sensitive_personal_information", "text_version": "2026-01"},
        "upload": {"document_id": 3, "kind": "key_group", "key_group": "retired_fisherman", "sha256": "0c4151e07dc2"},
        "view_document": {"document_id": 3, "kind": "id_card", "key_group": None},
        "delete_document": {"document_id": 3, "sha256": "0c4151e07dc2"},
        "prefill": {"source": "precheck", "fields": _precheck_fields()},
        "letter_revoked": {"reference": "431002-2025-00002", "reason": "金额有误"},
        "decline": {"reason": "客户放弃"},
        "contract": {"contract_no": "ICBC-CZ-2025-0054", "amount": "60000.00", "contract_date": "2025-05-06",
                     "contract_rate": "3.45%", "lpr": "3.10%", "maturity": "2027-05-06"},
        "disburse": {"loan_ref": "A2026-000054", **on}, "settle": {"loan_ref": "A2026-000054", **on},
        "become_overdue": {"loan_ref": "A2026-000054", **on}, "cure": {"loan_ref": "A2026-000054", **on},
        "compensate": {"loan_ref": "A2026-000054", **on}, "extend": {"loan_ref": "A2026-000054", **on},
        "end_extension": {"loan_ref": "A2026-000054", **on},
        "disbursement": {"amount": "60000.00", "event_id": 9, "note": "首笔", **on},
        "repayment": {"amount": "10000.00", "event_id": 9, **on},
        "overdue_start": {"event_id": 9, "reason": "past maturity", "maturity": "2025-10-31", **on},
        "overdue_end": {"event_id": 9, **on},
        "extension": {"event_id": 9, "previous_maturity": "2027-05-06", "new_maturity": "2028-05-06", **on},
        "compensation": {"amount": "50000.00", "event_id": 9, **on},
        "visit": {"visit_id": 2, "on": "2026-03-01", "owners": 1, "employees": 3},
        "create_user": {"role": "officer", "district": "431002", "bank": None},
        "policy_version_add": {"code": "HN-2026", "effective_from": "2026-01-01", "params": params},
        "policy_version_edit": {"code": "HN-2026", "changes": {
            "regime_individual": ["full", "lpr_margin"], "individual_max": ["200000.00", "300000.00"],
            "day_basis": [360, 365]}},
        "policy_version_supersede": {"code": "HN-2023", "new_code": "HN-2023b", "new_version_id": 4},
        "lpr_fixing_add": {"published_on": "2026-01-20", "rate": "3.0"},
        "key_group_add": {"code": "retired_fisherman", **key_group},
        "key_group_edit": {"code": "retired_fisherman", "changes": {"active": [True, False],
                                                                    "label_en": ["Fishermen", "Retired fishermen"]}},
        "calendar_day_add": {"date": "2027-10-01", "kind": DayKind.holiday.value, "name": "国庆节"},
        "calendar_day_edit": {"date": "2027-10-09", "changes": {"kind": ["holiday", "workday"],
                                                               "name": ["国庆节", "国庆节调休"]}},
        "calendar_day_remove": {"date": "2027-10-09", "kind": "workday", "name": "国庆节调休"},
        "calendar_import": {"file": "2027.csv", "years": [2027], "added": ["2027-01-01", "2027-02-06"],
                            "changed": {"2027-10-09": {"kind": ["holiday", "workday"]}}, "unchanged": 3},
        "ledger_import": {"files": [{"name": "loans.csv", "sha256": "ab12", "rows": 120}],
                          "loans_added": 100, "loans_unchanged": 20, "events_added": 300, "events_unchanged": 0,
                          "problems": 2},
        "roster_import": {"key_group": "veteran", "file": "退役军人.csv", "sha256": "ab12", "entries": 120,
                          "entries_replaced": 118},
        "roster_evidence": {"rule": "E01", "verified": True, "key_group": "veteran", "roster_as_of": "2026-10-31"},
        "bank_token_issued": {"bank": "ICBC-CZ", "name": "工行前置机", "prefix": "lb_Ab12Cd3", "expires_at": "2027-12-31",
                              "allowed_ips": ["10.1.2.0/24"]},
        "bank_token_revoked": {"bank": "ICBC-CZ", "name": "工行前置机", "prefix": "lb_Ab12Cd3", "token": "lb_Zz99Yy8",
                               "token_name": "工行对账", "token_id": 3, "bank_ref": "ICBC-20261202-0001"},
        "bank_file_confirmed": {"file": "ICBC-20261201.csv", "bank": "ICBC-CZ", "events_added": 12,
                                "events_unchanged": 3},
        "bank_ref_attached": {"event_id": 9, "bank_ref": "ICBC-20261202-0001", "on": "2025-11-01",
                              "file": "ICBC-20261201.csv"},
        "overdue_start_replaced": {"event_id": 9, "bank_ref": "ICBC-20261202-0002", "on": "2025-11-03",
                                   "replaced_on": "2025-11-01", "file": "ICBC-20261201.csv"},
        "subsidy_compute": {"period": "2025Q3", "bank": "ICBC-CZ", "version": 1, "lines": 12, "total": "1022.22",
                            "adjustments": 2, "adjustments_total": "-261.11"},
        "subsidy_review": {"comment": "与银行数据核对一致"},
        "subsidy_pay": {"paid_on": "2025-10-20", "voucher_no": "PZ-2025-031"},
        "subsidy_reopen": {"reason": "利率有误", "adjustments_dropped": 1},
        "subsidy_claim_upload": {"period": "2025Q3", "bank": "ICBC-CZ", "lines": 12, "total": "1022.22",
                                 "sha256": "ab12"},
        "fund_movement": {"movement": "deposit", "amount": "20000000.00", "on": "2026-01-05",
                          "voucher_no": "JJ-2026-001", "bank": "ICBC-CZ", "district": "431002", "via": "file"},
        "bank_paused": {"bank": "ICBC-CZ", "on": "2026-10-31", "claims_rate": "5.21%"},
        "claim_file": {"loan_ref": "A2026-000054", "claim_date": "2025-04-01", "overdue_since": "2025-01-01",
                       "principal": "150000.00", "interest": "1312.50", "total": "151312.50",
                       "fund_share": "121050.00", "bank_share": "30262.50", "bank_ref": "ICBC-DC-0001",
                       "note": "逾期九十天"},
        "claim_check": {"note": "核对无误"}, "claim_approve": {},
        "claim_pay": {"paid_on": "2025-05-06", "voucher_no": "DC-2025-001", "amount": "121050.00",
                      "movement_id": 4, "event_id": 9},
        "claim_cancel": {"reason": "repayment recorded", "on": "2025-05-01", "event_id": 9},
        "claim_complete": {"paid_on": "2024-05-06", "voucher_no": "DC-2024-009", "amount": "120000.00",
                           "movement_id": 4},
        "recovery": {"on": "2025-06-01", "amount": "10000.03", "fund_share": "8000.02", "bank_share": "2000.01",
                     "bank_ref": "ICBC-ZC-0001", "note": "法院执行", "recovery_id": 2, "movement_id": 5},
        "write_off_propose": {"amount": "150000.00", "reason": "借款人失联", "write_off_id": 1},
        "write_off_approve": {"amount": "150000.00", "note": "同意核销", "write_off_id": 1},
        "write_off_refuse": {"amount": "150000.00", "note": "继续追偿", "write_off_id": 1},
        "write_off": {"on": "2025-09-01", "amount": "150000.00", "claim_id": 3},
        "outbox_retried": {},
        "fund_override": {"reason": "市政府重点项目", "refusals": ["leverage_above_limit", "bank_paused"],
                          "projected": "5.03", "limit": "5.00", "fund_balance": "20000000.00", "bank": "ICBC-CZ"},
        "bank_pause_lifted": {"bank": "ICBC-CZ", "on": "2026-11-30", "claims_rate": "4.80%", "reason": "已整改"},
    }


def _states(action: str) -> tuple[str | None, str | None]:
    """The status change a row of ``action`` carries on a case or a loan (codes)."""
    if action in {a.value for a in Action}:
        return CaseStatus.under_review.value, CaseStatus.info_requested.value
    if action in {k.value for k in EventKind}:
        return CaseStatus.active.value, CaseStatus.overdue.value
    return None, None


# The history as case.html shows it: the action, its status change, its details.
HISTORY = """<ol>{% for e in events %}<li>{{ e.action|audit_action_label }}
{%- if e.from_state %} {{ e.from_state|status_label }} → {{ e.to_state|status_label }}{% endif %}
{% include "review/_event_detail.html" %}</li>{% endfor %}</ol>"""


def codes() -> set[str]:
    """Every code a history row may carry as a value: statuses, kinds, roles, regimes, rules…"""
    from loans.policy.queries import key_groups

    tables = (labels.STATUS, labels.ROLE, labels.LOAN_TYPE, labels.EDUCATION, labels.DOCUMENT_KIND,
              labels.SNAPSHOT_TRIGGER, labels.SUBSIDY_REGIME, labels.STEP, labels.SEX, labels.DAY_KIND,
              labels.RULE_NAME, display.CONSENT, display.SOURCE)
    found = {code for table in tables for code in table}
    found |= {a.value for a in Action} | {k.value for k in EventKind} | {g.code for g in key_groups()}
    return found


def _bare_codes(rendered: str) -> set[str]:
    return {word for word in re.findall(r"\b[a-z]+(?:_[a-z]+)*\b", rendered) if word in codes()}


def test_every_action_kind_written_has_a_label():
    actions, _keys = written()
    assert actions - set(labels.AUDIT_ACTION) == set()


def test_every_detail_key_written_has_a_label():
    _actions, keys = written()
    assert keys - set(display.DETAIL) == set()


def test_the_rows_below_cover_every_kind_and_key(app):
    actions, keys = written()
    rows = payloads(app)
    assert actions - set(rows) == set(), "add a representative row for each new action kind"
    assert keys - {key for row in rows.values() for key in row} == set(), "add the new keys to a row"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_action_kind_reads_in_words(app, lang):
    rows = payloads(app)
    events = [AuditEvent(action=action, detail=detail, from_state=_states(action)[0], to_state=_states(action)[1])
              for action, detail in rows.items()]
    with app.test_request_context(headers={"Accept-Language": lang}):
        rendered = text(render_template_string(HISTORY, events=events))
        assert SNAKE.findall(rendered) == []
        assert "None" not in rendered
        if lang == "zh":
            assert _bare_codes(rendered) == set()
        # no value is a bare code in English either ("approve", "precheck", "full")
        for action, detail in rows.items():
            for line in display.detail_lines(action, detail, lambda kind, code: None):
                values = [line.text, *(part.split(": ", 1)[-1] for part in line.parts)]
                pieces = {piece.strip() for value in values for piece in re.split(r" · | → ", value)}
                assert pieces & codes() == set(), (action, line)
        # the readers' words are there
        for words in (gettext("Resident ID card"), gettext("Business licence"), gettext("Loan reference"),
                      gettext("Contract number"), gettext("The eligibility pre-check"), gettext("LPR minus a margin"),
                      "E08 " + str(labels.RULE_NAME["credit"]), "¥150,000.00"):
            assert words in rendered, words


def test_reference_data_reads_by_name(app):
    from loans.policy.queries import reference_name

    with app.test_request_context(headers={"Accept-Language": "zh"}):
        lines = display.detail_lines("upload", {"kind": "key_group", "key_group": "retired_fisherman"},
                                     lambda kind, code: reference_name(kind, code, "zh"))
        assert [(line.label, line.text) for line in lines] == [
            (gettext("Document"), str(labels.DOCUMENT_KIND["key_group"])),
            (gettext("Key group"), reference_name("key_group", "retired_fisherman", "zh"))]
        assert "渔" in lines[1].text


def test_unknown_keys_and_codes_still_read_as_words(app):
    """A key or code added later without a label reads as words, never as snake_case."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        lines = display.detail_lines("some_new_action", {
            "bank_statement_ref": "X-1", "kind": "tax_record", "changes": {"new_field_name": ["旧", None]},
            "extra_flags": {"needs_review": True}, "snapshot_id": 3}, lambda kind, code: None)
    shown = [(line.label, line.text, line.parts) for line in lines]
    assert shown == [("Bank statement ref", "X-1", ()), ("Document", "Tax record", ()),
                     ("Changes", "", ("New field name: 旧 → —",)),
                     ("Extra flags", "Needs review: yes", ())]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_case_history_reads_in_words(app, contracted, bank_user, staff, as_user, lang):
    """A case walked through the services — review, decision, contract, disbursement, an
    overdue period, an extension — and its history on the case page."""
    from loans.db import db
    from loans.servicing import services

    officer = staff("officer", district_code="431002", name="李信贷")
    supervisor = staff("supervisor", name="陈处长")
    loan = contracted(contract_date=date(2025, 1, 15), officer=officer, supervisor=supervisor)
    services.record_disbursement(loan, actor=bank_user, on=date(2025, 1, 20), amount=Decimal("100000"),
                                 expected_version=None)
    services.record_overdue_start(loan, actor=bank_user, on=date(2025, 6, 1), expected_version=None)
    services.record_overdue_end(loan, actor=bank_user, on=date(2025, 7, 1), expected_version=None)
    services.record_extension(loan, actor=bank_user, on=date(2025, 8, 1), new_maturity_date=date(2027, 6, 15),
                              expected_version=None)
    db.session.commit()
    client = as_user(officer)
    client.post("/language", data={"lang": lang})
    page = client.get(f"/review/cases/{loan.application_id}").get_data(as_text=True)
    history = re.search(r'<ol class="timeline[^"]*">(.*?)</ol>', page, re.S)
    assert history, "the case page shows its history"
    rendered = text(history.group(1))
    assert SNAKE.findall(rendered) == []
    if lang == "zh":
        assert _bare_codes(rendered) == set()
    with app.test_request_context(headers={"Accept-Language": lang}):
        for words in (gettext("Loan reference"), gettext("Contract number"), gettext("Contract date")):
            assert words in rendered, words
