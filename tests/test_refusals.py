"""Every refusal shows its page (issue 10): each POST route, asked to do something the rules
do not allow, answers with the page the user was on — the app's own page with its
navigation — the reason on it in the reader's language, and the refusal's status
(400/403/409); never a redirect, never "Redirecting…", never a 500. The JSON API answers
``{"errors": …}``.

The routes come from ``app.url_map``: a new POST route fails
``test_every_post_route_has_a_refused_case`` until it is given a refused case in
``REFUSALS`` (or a reason in ``NO_BUSINESS_REFUSAL``). One world holds a case, loan,
letter and statement in every state the refusals need; a refusal changes nothing, so the
walk asks each route in English and then in Chinese on the same world."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Callable

import pytest

from tests.helpers import assert_refused_here, text
from tests.test_roles_routes import TINY_PDF, client_as
from loans.db import local_today

NAV = 'class="navbar'
AFTER_Q3_2021 = date(2021, 9, 21)


@dataclass(frozen=True)
class Refusal:
    """``setup(world)`` gives the URL and the form (or JSON) to send as ``role``; the
    answer must have ``status`` and show ``en`` (in English) or ``zh`` (in Chinese)."""

    role: str
    setup: Callable
    status: int
    en: str
    zh: str
    json: bool = False
    bank_api: bool = False  # sent with the world's bank token and a fresh Idempotency-Key


# --- the requests ------------------------------------------------------------------------

def _case(name, step="", **data):
    def setup(w):
        return f"/my/applications/{w.cases[name]}{step}", data
    return setup


def _review(name, action, **data):
    return lambda w: (f"/review/cases/{w.cases[name]}/{action}", data)


def _loan(name, kind, path, **values):
    def setup(w):
        loan = w.loans[name]
        data = {f"{kind}-version": str(loan.lock_version), f"{kind}-event_on": "2021-07-01"}
        data.update({f"{kind}-{field}": value for field, value in values.items()})
        return f"/loans/{loan.id}/{path}", data
    return setup


def _claim(name, action, **data):
    """A claim's action sent with a version read before someone else acted."""
    return lambda w: (f"/claims/{w.claims[name]}/{action}", {"version": "999", **data})


CHANGED_EN, CHANGED_ZH = "This was changed by someone else just now.", "刚才已有其他人修改了这一内容"


def _statement(name, action, **data):
    def setup(w):
        statement = w.statements[name]
        return f"/subsidy/statements/{statement.id}/{action}", {"lock_version": str(statement.lock_version), **data}
    return setup


def _bank_case(name, action, **body):
    def setup(w):
        from loans.applications.models import LoanApplication
        from loans.db import db

        case = db.session.get(LoanApplication, w.cases[name])
        if action == "contract":
            body.setdefault("id_number", case.id_number)
        return f"/api/v1/bank/cases/{case.reference}/{action}", body
    return setup


def _file(name: str, data: bytes):
    return (io.BytesIO(data), name)


def _id_number_of(application_id: int) -> str:
    from loans.applications.models import LoanApplication
    from loans.db import db

    return db.session.get(LoanApplication, application_id).id_number


def _bank_file_with_a_refused_row(w) -> int:
    """A previewed bank file (kept) whose only row names a loan the bank does not have."""
    from loans.banks.files import preview_file
    from loans.db import db

    bank_file = preview_file("ICBC-CZ", "events.csv", b"loan_ref,date,kind,amount,bank_ref\r\n"
                             b"NO-SUCH-LOAN,2021-07-01,repayment,1000,R1\r\n", source="clerk", actor=w.users["bank"])
    db.session.commit()
    return bank_file.id


def _lifted_pause():
    """A bank's pause already lifted (by the rates job): lifting it again is refused."""
    from loans.db import db
    from loans.fund.models import BankPause

    pause = BankPause(bank_code="ICBC-CZ", paused_on=date(2021, 5, 31), lifted_on=date(2021, 6, 30), lock_version=1)
    db.session.add(pause)
    db.session.commit()
    return f"/fund/pauses/{pause.id}/lift", {"lock_version": "0", "reason": "已整改"}


def _sent_message():
    """An email already sent: only a failed message can be sent again."""
    from loans.db import db
    from loans.notifications.models import OutboxMessage

    message = OutboxMessage(address="wang@example.cn", channel="email", template="status", params={},
                            language="zh", status="sent", attempts=1)
    db.session.add(message)
    db.session.commit()
    return f"/admin/outbox/{message.id}/retry", {}


def _version_data(code: str) -> dict:
    """The policy version's form as the admin page fills it."""
    from loans.policy.forms import PolicyVersionForm
    from loans.policy.views import _version_data, _version_or_404

    form = PolicyVersionForm(formdata=None, data=_version_data(_version_or_404(code)))
    data = {}
    for field in form:
        if field.type == "BooleanField":
            if field.data:
                data[field.name] = "y"
        elif field.type != "CSRFTokenField":
            data[field.name] = "" if field.data is None else \
                field._value() if hasattr(field, "_value") else str(field.data)
    return data


REFUSALS: dict[str, Refusal] = {
    # the applicant, on an application already decided
    "applications.answer": Refusal(
        "applicant", _case("approved", "/answer", answer="营业执照已上传"), 409,
        "This request has already been answered.", "该补充材料要求已答复"),
    "applications.consent": Refusal(
        "applicant", _case("approved", "/consent", agree="y"), 409,
        "This application has been submitted and can no longer be edited here.", "该申请已提交，不能在此修改"),
    "applications.delete_document": Refusal(
        "applicant", lambda w: (f"/my/applications/{w.cases['approved']}/documents/{w.document_id}/delete", {}), 409,
        "This application has been submitted and can no longer be edited here.", "该申请已提交，不能在此修改"),
    "applications.delete_partner": Refusal(
        "applicant", _case("approved", "/partners/999999/delete"), 409,
        "This application has been submitted and can no longer be edited here.", "该申请已提交，不能在此修改"),
    "applications.partner_facts": Refusal(
        "applicant", _case("approved", "/partners/999999/facts", **{"p999999-declares_no_other_loans": "y"}), 409,
        "This application has been submitted and can no longer be edited here.", "该申请已提交，不能在此修改"),
    "applications.step": Refusal(
        "applicant", _case("approved", "/step/person", full_name="赵六", action="draft"), 409,
        "This application has been submitted and can no longer be edited here.", "该申请已提交，不能在此修改"),
    "applications.submit": Refusal(
        "applicant", _case("approved", "/submit"), 409,
        "This application has already been submitted.", "该申请已提交。"),
    "applications.upload": Refusal(
        "applicant", _case("approved", "/documents", kind="business_licence", file=_file("licence.pdf", TINY_PDF)),
        409, "Documents can no longer be added to this application.", "该申请已不能再添加材料"),
    "applications.withdraw": Refusal(
        "applicant", _case("approved", "/withdraw", reason="不需要了"), 409,
        "This application can no longer be withdrawn: a decision has already been made.", "该申请已作出审批决定，不能再撤回"),
    # officers and supervisors, on a case taken or decided
    "review.take": Refusal(
        "officer", _review("under_review", "take"), 409,
        "This action is not possible while the case is", "状态时不能执行此操作"),
    "review.request_info": Refusal(
        "officer", _review("approved", "request-info", message="请补充营业执照"), 409,
        "This case has already been decided", "该案件已作出审批决定"),
    "review.evidence": Refusal(
        "officer", _review("approved", "evidence", rule_id="E08", verified="yes"), 409,
        "Evidence can be recorded only while the case is under review.", "只有案件处于审核中时才能登记"),
    "review.rerun": Refusal(
        "officer", _review("approved", "eligibility"), 409,
        "Eligibility is re-run only while a case is under review.", "只有案件处于审核中时才能重新进行资格审查"),
    "review.reveal": Refusal(
        "officer", _review("under_review", "reveal"), 403,
        "Only the officer handling this case or a supervisor may see the full resident ID.", "查看完整的居民身份证号码"),
    "review.recommend": Refusal(
        "officer", _review("approved", "recommend", decision="reject", explanation="经营地不在本市"), 409,
        "This case has already been decided", "该案件已作出审批决定"),
    "review.decide": Refusal(
        "supervisor", _review("approved", "decide", decision="approve"), 409,
        "This case has already been decided", "该案件已作出审批决定"),
    # letters
    "letters.revoke": Refusal(
        "supervisor", lambda w: (f"/letters/{w.letter_id}/revoke", {"reason": "再次撤销"}), 409,
        "This letter has already been revoked.", "该通知书已撤销"),
    "letters.batch_pdf": Refusal(
        "supervisor", lambda w: ("/letters/print", {}), 400,
        "Choose at least one letter to print.", "请至少选择一份要打印的通知书"),
    # the bank, on cases and loans in the wrong state
    "servicing.contract": Refusal(
        "bank", lambda w: (f"/loans/cases/{w.cases['approved']}/contract", {
            "contract_no": "ICBC-2026-0099", "contract_date": local_today().isoformat(), "amount": "100001",
            "term_months": "24", "contract_rate": "3.50"}), 409,
        "was revoked", "已被撤销（金额有误），不能据此签订合同"),
    "servicing.decline": Refusal(
        "bank", lambda w: (f"/loans/cases/{w.cases['contracted']}/decline", {"reason": "客户放弃"}), 409,
        "is no longer possible", "不能再执行此操作，未作任何更改"),
    "servicing.record_disbursement": Refusal(
        "bank", _loan("settled", "disbursement", "disbursements", amount="1000"), 409,
        "This loan is closed", "该贷款已终结"),
    "servicing.record_repayment": Refusal(
        "bank", _loan("contracted", "repayment", "repayments", amount="1000"), 409,
        "Nothing has been paid out on this loan yet.", "该贷款尚未放款"),
    "servicing.record_overdue_start": Refusal(
        "bank", _loan("overdue", "overdue_start", "overdue-start"), 409,
        "This is not possible while the loan is", "状态时不能执行此操作"),
    "servicing.record_overdue_end": Refusal(
        "bank", _loan("active", "overdue_end", "overdue-end"), 409,
        "This is not possible while the loan is", "状态时不能执行此操作"),
    "servicing.record_extension": Refusal(
        "bank", _loan("overdue", "extension", "extension", new_maturity_date="2026-06-15"), 409,
        "An overdue loan cannot be extended", "逾期贷款不能展期"),
    # compensation claims (SPEC §13): a form read before the claim (or loan) changed
    "claims.file": Refusal(
        "bank", lambda w: (f"/loans/{w.loans['overdue'].id}/claims", {"version": "999", "claim_date": "2024-10-01"}),
        409, "This loan was changed just now", "该贷款刚刚被修改"),
    "claims.check": Refusal("officer", _claim("filed", "check"), 409, CHANGED_EN, CHANGED_ZH),
    "claims.approve": Refusal("supervisor", _claim("checked", "approve"), 409, CHANGED_EN, CHANGED_ZH),
    "claims.pay": Refusal("finance", _claim("approved", "pay", paid_on="2024-10-10", voucher_no="DC-1"), 409,
                          CHANGED_EN, CHANGED_ZH),
    "claims.cancel": Refusal("bank", _claim("filed", "cancel", reason="客户已还款"), 409, CHANGED_EN, CHANGED_ZH),
    "claims.complete": Refusal("finance", _claim("legacy", "complete", paid_on="2024-10-01", voucher_no="DC-2"),
                               409, CHANGED_EN, CHANGED_ZH),
    "claims.recovery": Refusal("bank", _claim("paid", "recoveries", recovered_on="2024-11-01", amount="100"), 409,
                               CHANGED_EN, CHANGED_ZH),
    "claims.write_off": Refusal("supervisor", _claim("paid", "write-off", reason="借款人失联"), 409,
                                CHANGED_EN, CHANGED_ZH),
    "claims.decide": Refusal("finance", _claim("proposed", "write-off/decide", decision="approve"), 409,
                             CHANGED_EN, CHANGED_ZH),
    "servicing.record_visit": Refusal(
        "officer", lambda w: (f"/loans/{w.loans['active'].id}/visits", {
            "visited_on": "2021-01-04", "owners": "1", "employees": "2"}), 400,
        "The date cannot be before the contract date 2021-06-10.", "日期不能早于合同签订日期 2021-06-10"),
    # the bank's event files (SPEC §12): an unreadable upload; a file with a refused row
    "banks.upload": Refusal(
        "bank", lambda w: ("/bank/files/", {"file": _file("events.csv", b"\x00\x01binary")}), 400,
        "neither an XLSX workbook nor a CSV text file", "既不是 XLSX 工作簿，也不是 CSV 文本文件"),
    "banks.confirm": Refusal(
        "bank", lambda w: (f"/bank/files/{_bank_file_with_a_refused_row(w)}/confirm", {}), 409,
        "This file has refused rows, so it cannot be confirmed.", "该文件有被拒绝的行，不能确认"),
    # bank API tokens (admin)
    "bank_tokens.issue": Refusal(
        "admin", lambda w: ("/admin/bank-tokens/", {"bank_code": "ICBC-CZ", "name": "前置机", "expires": "2020-01-01"}),
        400, "The expiry must be in the future.", "到期时间必须晚于现在"),
    "bank_tokens.revoke": Refusal(
        "admin", lambda w: (f"/admin/bank-tokens/{w.revoked_token_id}/revoke", {}), 409,
        "This token was already revoked.", "该令牌已被吊销"),
    # background jobs (admin)
    "jobs.start": Refusal(
        "admin", lambda w: ("/admin/jobs", {"kind": "ledger_import"}), 400,
        "Choose one of the jobs listed.", "请从列出的任务中选择一项"),
    "jobs.retry": Refusal(
        "admin", lambda w: (f"/admin/jobs/{w.job_id}/retry", {}), 409,
        "Only a job that failed on an error or a stopped worker can be run again.",
        "只有因出错或工作进程停止而失败的任务才能重新运行"),
    # subsidy statements in the wrong state
    "subsidy.compute": Refusal(
        "finance", lambda w: ("/subsidy/compute", {"period": "2099Q1"}), 400,
        "it can be computed from the day after", "自次日起方可计算"),
    "subsidy.review": Refusal(
        "supervisor", _statement("reviewed", "review", confirmed="y"), 409,
        "This statement has already been changed by someone else.", "该结算表已被他人修改"),
    "subsidy.approve": Refusal(
        "finance", _statement("draft", "approve"), 409,
        "This statement has already been changed by someone else.", "该结算表已被他人修改"),
    "subsidy.pay": Refusal(
        "finance", _statement("draft", "pay", paid_on="2021-10-08", voucher_no="PZ-1"), 409,
        "This statement has already been changed by someone else.", "该结算表已被他人修改"),
    "subsidy.reopen": Refusal(
        "finance", _statement("draft", "reopen", reason="利率有误"), 409,
        "Only a reviewed, approved or paid statement is reopened", "只有已审核、已批准或已拨付的结算表才能重新打开"),
    "subsidy.upload_claim": Refusal(
        "bank", _statement("draft", "claims", file=_file("ours.csv", b"ref,amount\nX,1\n")), 400,
        "The first row must be the header loan_ref,subsidy.", "第一行须为表头 loan_ref,subsidy"),
    # the guarantee fund (SPEC §13): finance's movements, a city-wide supervisor's lift of a pause
    "fund.enter_movement": Refusal(
        "finance", lambda w: ("/fund/movements", {"kind": "deposit", "amount": "0", "moved_on": "2026-01-05",
                                                  "voucher": "JJ-R"}), 400,
        "Enter an amount greater than zero.", "请输入大于 0 的金额。"),
    "fund.import_movements": Refusal(
        "finance", lambda w: ("/fund/movements/import", {}), 400, "Choose a CSV file.", "请选择 CSV 文件。"),
    "fund.lift": Refusal(
        "supervisor", lambda w: _lifted_pause(), 409, "This was changed by someone else just now.",
        "刚才已有其他人修改了这一内容"),
    # the outbox: a message already sent is not sent again
    "notifications.retry_message": Refusal(
        "admin", lambda w: _sent_message(), 409, "Only a failed message can be sent again.",
        "只有发送失败的消息才能重新发送"),
    # accounts
    "auth.register": Refusal(
        "anonymous", lambda w: ("/register", {"name": "王五", "login": w.users["applicant"].email,
                                              "password": "Quiet-Lantern-Harbor-93",
                                              "confirm": "Quiet-Lantern-Harbor-93"}), 400,
        "An account with this mobile number or email already exists.", "该手机号码或电子邮箱已注册"),
    "auth.change_password": Refusal(
        "finance", lambda w: ("/account/password", {"current_password": "Wrong-Horse-42",
                                                     "password": "Quiet-Lantern-Harbor-93",
                                                     "confirm": "Quiet-Lantern-Harbor-93"}), 400,
        "The current password is not right.", "当前密码不正确。"),
    "auth.login_code": Refusal(
        "anonymous", lambda w: ("/login/code", {"mobile": "1381234"}), 400,
        "Enter an 11-digit mainland mobile number, for example 13812345678.", "请输入 11 位中国大陆手机号码"),
    "auth.register_code": Refusal(
        "anonymous", lambda w: ("/register/code", {"name": "王五", "mobile": "1381234"}), 400,
        "Enter an 11-digit mainland mobile number, for example 13812345678.", "请输入 11 位中国大陆手机号码"),
    # A failed login is the login page again with 200, as browsers and password managers
    # expect (tests/auth); it is a refusal shown in place all the same.
    "auth.login": Refusal(
        "anonymous", lambda w: ("/login", {"login": w.users["finance"].email, "password": "Wrong-Horse-42"}), 200,
        "The mobile number/email or password is not right.", "手机号码/电子邮箱或密码不正确"),
    "admin.users": Refusal(
        "admin", lambda w: ("/admin/users", {"name": "重复", "login": w.users["finance"].email, "role": "finance",
                                             "district_code": "", "bank_code": "",
                                             "password": "Quiet-Lantern-Harbor-93"}), 400,
        "A user with this email already exists.", "该电子邮箱已有用户使用"),
    # reference data
    "policy.new_version": Refusal(
        "admin", lambda w: ("/admin/policy/versions/new", _version_data("HN-2023")), 400, "Another version already has this code.", "已有其他版本使用此代码"),
    "policy.edit_version": Refusal(
        "admin", lambda w: ("/admin/policy/versions/HN-2023/edit", _version_data("HN-2023")), 400, "Cases already use HN-2023", "已有案件使用 HN-2023"),
    "policy.lpr": Refusal(
        "admin", lambda w: ("/admin/policy/lpr", {"published_on": w.lpr_date, "rate": "3.45"}), 400,
        "There is already a fixing published on this date.", "该日期已有 LPR 报价"),
    "policy.new_key_group": Refusal(
        "admin", lambda w: ("/admin/policy/key-groups/new", {
            "code": "veteran", "label_zh": "退役军人", "label_en": "Veterans", "evidence_zh": "退役证",
            "evidence_en": "Discharge certificate", "sort_order": "5", "active": "y"}), 400,
        "A key group with this code already exists.", "该代码的重点群体已存在"),
    "policy.calendar_day": Refusal(
        "admin", lambda w: ("/admin/policy/calendar/day", {"calendar_date": "2027-03-10", "kind": "workday",
                                                           "name": "调休"}), 400,
        "2027-03-10 is a Monday to Friday", "2027-03-10 是周一至周五，本来就是工作日"),
    "policy.calendar_import": Refusal(
        "admin", lambda w: ("/admin/policy/calendar/import", {
            "file": _file("2027.csv", b"date,kind,name\n2027-02-30,holiday,Spring Festival\n")}), 400,
        "row 2, column date: Not a real date.", "不是有效日期"),
    # A ledger whose rows are refused is still a run with its own page (as a background run
    # is): the upload answers 303 to that page, which lists every problem (tests/ledger).
    "ledger.upload": Refusal(
        "admin", lambda w: ("/admin/ledger/", {"files": [_file("loans.csv", b"\x00\x01binary")]}), 400,
        "neither an XLSX workbook nor a CSV text file", "既不是 XLSX 工作簿，也不是 CSV 文本文件"),
    # a roster is all-or-nothing: the refused rows are listed in place (tests/rosters)
    "rosters.upload": Refusal(
        "admin", lambda w: ("/admin/rosters/", {"kind": "veteran", "file": _file(
            "v.csv", b"id_number,name,as_of,valid_until\n123,Zhang San,2026-10-31,2027-10-31\n")}), 400,
        "Invalid resident ID", "居民身份证号码无效"),
    # the public pre-check
    "eligibility.precheck": Refusal(
        "anonymous", lambda w: ("/eligibility", {"key_groups": "graduate", "birth_date": "1999-01-01", "sex": "female", "loan_type": "individual",
                                                 "amount": "100000", "term_months": "24",
                                                 "district_code": "431002"}), 400,
        "Give your graduation date", "请填写毕业日期"),
    "eligibility.start": Refusal(
        "applicant", lambda w: ("/eligibility/start", {"answers": "not-a-signed-token"}), 400,
        "Answer the questions first", "请先回答问题，再用这些回答开始申请"),
    "api.precheck": Refusal(
        "anonymous", lambda w: ("/api/v1/eligibility/precheck", {
            "application_date": "2026-03-01", "birth_date": "1990-01-01", "sex": "male", "key_groups": ["no_such_group"], "loan_type": "individual",
            "amount": "100000", "term_months": 24, "district_code": "431002"}), 400,
        "Unknown key group: no_such_group.", "未知的重点群体代码：no_such_group", json=True),
    # the bank API (SPEC §12): a business rule refuses → 422, the state → 409
    "bank_api.contract": Refusal(
        "anonymous", _bank_case("approved", "contract", contract_no="API-1", contract_date="2026-01-05",
                                amount="1000", contract_rate="3.5", term_months=12), 409,
        "was revoked", "已被撤销", json=True, bank_api=True),
    "bank_api.decline": Refusal(
        "anonymous", _bank_case("contracted", "decline", reason="不符合条件"), 409,
        "so this is no longer possible", "不能再执行此操作", json=True, bank_api=True),
    "bank_api.record_event": Refusal(
        "anonymous", lambda w: ("/api/v1/bank/loans/L-CONTRACTED/events", {
            "date": "2021-07-01", "kind": "disbursement", "amount": "99999999", "bank_ref": "REF-1"}), 422,
        "more than the contract amount", "超过合同金额", json=True, bank_api=True),
    "bank_api.file_claim": Refusal(
        "anonymous", lambda w: ("/api/v1/bank/loans/L-OVERDUE/claims", {"claim_date": "2024-07-15"}), 422,
        "A claim may be filed from 2024-09-29", "2024-09-29", json=True, bank_api=True),
    "bank_api.record_recovery": Refusal(
        "anonymous", lambda w: ("/api/v1/bank/loans/L-CLAIM-PAID/recoveries", {
            "date": "2024-11-01", "amount": "999999", "bank_ref": "ZC-1"}), 422,
        "cannot exceed the claim of ¥200,000.00", "¥200,000.00", json=True, bank_api=True),
    "bank_api.confirm_file": Refusal(
        "anonymous", lambda w: (f"/api/v1/bank/files/{w.bank_file_id}/confirm", {}), 409,
        "This file has refused rows, so it cannot be confirmed.", "该文件有被拒绝的行，不能确认。", json=True,
        bank_api=True),
    "assisted.send_code": Refusal(
        "community", lambda w: (f"/assisted/{w.cases['approved']}/code", {}), 409,
        "This application has already been submitted.", "该申请已提交。"),
    "assisted.confirm": Refusal(
        "community", lambda w: (f"/assisted/{w.cases['approved']}/confirm", {"code": "123456"}), 409,
        "This application has already been submitted.", "该申请已提交。"),
    "assisted.scan": Refusal(
        "community", lambda w: (f"/assisted/{w.cases['approved']}/scan", {"file": _file("signed.pdf", TINY_PDF)}),
        409, "This application has already been submitted.", "该申请已提交。"),
    "assisted.step": Refusal(
        "community", lambda w: (f"/assisted/{w.cases['approved']}/step/person", {"full_name": "赵六"}), 409,
        "This application has already been submitted.", "该申请已提交。"),
    "assisted.upload": Refusal(
        "community", lambda w: (f"/assisted/{w.cases['approved']}/documents", {
            "kind": "other", "file": _file("a.pdf", TINY_PDF)}), 409,
        "This application has already been submitted.", "该申请已提交。"),
    "assisted.submit": Refusal(
        "community", lambda w: (f"/assisted/{w.cases['approved']}/submit", {}), 409,
        "This application has already been submitted.", "该申请已提交。"),
    "assisted.delete_partner": Refusal(
        "community", lambda w: (f"/assisted/{w.cases['approved']}/partners/999999/delete", {}), 409,
        "This application has already been submitted.", "该申请已提交。"),
    "assisted.partner_scan": Refusal(
        "community", lambda w: (f"/assisted/{w.cases['approved']}/partners/999999/scan",
                                {"p999999-file": _file("signed.pdf", TINY_PDF)}), 409,
        "This application has already been submitted.", "该申请已提交。"),
    "assisted.takeover": Refusal(
        "applicant", lambda w: (f"/assisted/takeover/{w.cases['approved']}", {
            "code": "000000", "id_number": _id_number_of(w.cases["approved"])}), 400,
        "The code is not right or has expired. Ask for a new code.", "验证码不正确或已过期，请重新获取验证码。"),
    "assisted.new": Refusal(
        "community", lambda w: ("/assisted/new", {"full_name": "赵六", "id_number": "4310021988",
                                                   "mobile": "13811112222"}), 400,
        "A resident ID has 18 characters.", "身份证号码应为 18 位。"),
}

# More refusals of routes above, where one used to answer with a redirect.
MORE_REFUSALS: list[tuple[str, Refusal]] = [
    ("review.evidence", Refusal(
        "officer", _review("under_review", "evidence", rule_id="E08"), 400,
        "Choose verified or not verified.", "请选择“核验通过”或“核验未通过”")),
]

NO_BUSINESS_REFUSAL = {
    "auth.logout": "ending one's own session is always allowed",
    "main.set_language": "any choice of language is accepted (an unknown one is ignored)",
    "applications.new": "an applicant may always start another draft",
    "applications.mark_read": "marking one's own news read is always allowed",
    "applications.mark_all_read": "marking one's own news read is always allowed",
    "admin.reset_user_password": "every staff account can be reset; an applicant's is not found (404)",
    "policy.edit_key_group": "a key group's names, evidence and flags have no rule beyond the form's shape",
    "review.add_note": "a note on a case in scope is always accepted; an empty one is a form error",
    "subsidy.print_period": "printing a computed period's statements is always allowed (another period is 404)",
    "bank_api.upload_file": "a file is always read and previewed (201), its refused rows listed in the preview; "
                            "one without a file part is malformed (400)",
    "notifications.preferences": "any choice of channels is accepted (essential messages go regardless)",
    "notifications.read": "marking one's own messages read is always allowed",
    "assisted.takeover_code": "a code for one's own case filed by a worker; only the SMS limits refuse (in place)",
}


def post_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}


def test_every_post_route_has_a_refused_case(app):
    endpoints = post_endpoints(app)
    assert not set(REFUSALS) & set(NO_BUSINESS_REFUSAL)
    assert sorted(endpoints - set(REFUSALS) - set(NO_BUSINESS_REFUSAL)) == [], "POST routes without a refused case"
    assert sorted((set(REFUSALS) | set(NO_BUSINESS_REFUSAL)) - endpoints) == [], "listed routes that do not exist"


# --- the world -------------------------------------------------------------------------

@pytest.fixture
def world(app, make_user, make_case, add_loan):
    """Cases approved (its letter revoked), under review and contracted; loans contracted,
    active, overdue and settled; a draft and a reviewed subsidy statement; users of every role."""
    from loans.applications import services as app_services
    from loans.db import db
    from loans.letters.models import Letter
    from loans.letters.services import revoke_letter
    from loans.policy.models import LprFixing
    from loans.servicing import services as servicing
    from loans.subsidy import services as subsidy

    users = {role: make_user(role) for role in ("officer", "supervisor", "bank", "finance", "admin")}
    approved = make_case("approved", name="赵六")
    under_review = make_case("under_review")
    to_contract = make_case("approved")
    users["applicant"] = approved.applicant
    users["community"] = make_user("community", district_code="431002")
    approved.filed_by_id = users["community"].id  # filed for the applicant (assisted filing), not taken over
    servicing.record_contract(to_contract, servicing.ContractTerms(
        contract_no="ICBC-2026-0001", contract_date=local_today(), amount=Decimal("100000"), term_months=24,
        contract_rate=Decimal("3.50")), actor=users["bank"])
    upload = SimpleNamespace(stream=io.BytesIO(TINY_PDF), filename="licence.pdf")
    document = app_services.store_document(approved, upload, "business_licence", actor=approved.applicant)
    letter = db.session.scalar(db.select(Letter).where(Letter.application_id == approved.id))
    revoke_letter(letter, actor=users["supervisor"], reason="金额有误")

    on = date(2021, 6, 15)
    loans = {
        "contracted": add_loan("L-CONTRACTED", status="contracted", events=()),
        "active": add_loan("L-ACTIVE"),
        "overdue": add_loan("L-OVERDUE", status="overdue",
                            events=((on, "disbursement", "200000"), (date(2024, 7, 1), "overdue_start", None))),
        "settled": add_loan("L-SETTLED", status="settled",
                            events=((on, "disbursement", "200000"), (date(2022, 6, 15), "repayment", "200000"))),
        "abc": add_loan("L-ABC", bank="ABC-CZ"),
    }
    claims = _claims_world(add_loan, users, on)
    subsidy.compute_period_subsidy("2021Q3", None, today=AFTER_Q3_2021)
    statements = {"draft": subsidy.current_statement("2021Q3", "ICBC-CZ"),
                  "reviewed": subsidy.current_statement("2021Q3", "ABC-CZ")}
    subsidy.review_statement(statements["reviewed"], actor=users["supervisor"], lock_version=None)
    lpr_date = db.session.scalar(db.select(LprFixing.published_on).limit(1)).isoformat()
    db.session.commit()
    from loans.jobs.runner import submit
    from loans.unit_of_work import unit_of_work

    with unit_of_work():
        job_id = submit("housekeeping", {}).id  # runs inline: done
    from loans.banks.files import preview_file
    from loans.banks.tokens import issue_token, revoke_token

    with unit_of_work():
        _token, bank_secret = issue_token("ICBC-CZ", "refusals")
        revoked, _secret = issue_token("ICBC-CZ", "旧前置机")
        revoke_token(revoked)
        bank_file_id = preview_file("ICBC-CZ", "short.csv", b"loan_ref,date\r\nL1,2021-07-01\r\n", source="api",
                                    actor=None).id
    return SimpleNamespace(job_id=job_id, bank_secret=bank_secret, bank_file_id=bank_file_id,
                           revoked_token_id=revoked.id,
        users=users, cases={"approved": approved.id, "under_review": under_review.id, "contracted": to_contract.id},
        document_id=document.id, letter_id=letter.id, loans=loans, statements=statements, lpr_date=lpr_date,
        claims=claims)


def _claims_world(add_loan, users, on) -> dict[str, int]:
    """A claim in each state on loans of their own (rows as the claim services leave them)."""
    from loans.db import db
    from loans.fund.models import CompensationClaim, WriteOff

    overdue = ((on, "disbursement", "200000"), (date(2024, 7, 1), "overdue_start", None))
    compensated = (*overdue, (date(2024, 10, 1), "compensation", "200000"))
    money = {"principal": Decimal("200000"), "interest": Decimal(0), "total": Decimal("200000"),
             "share_pct": Decimal(80), "fund_share": Decimal("160000"), "bank_share": Decimal("40000")}
    states = {"filed": ("filed", overdue, {}), "checked": ("checked", overdue, {"checked_by_id": users["officer"].id}),
              "approved": ("approved", overdue, {"checked_by_id": users["officer"].id}),
              "legacy": ("paid", compensated, {"legacy": True, "paid_on": date(2024, 10, 1)}),
              "paid": ("paid", compensated, {"paid_on": date(2024, 10, 1), "voucher_no": "DC-0"}),
              "proposed": ("paid", compensated, {"paid_on": date(2024, 10, 1), "voucher_no": "DC-00"})}
    ids = {}
    for name, (status, events, extra) in states.items():
        loan = add_loan(f"L-CLAIM-{name.upper()}", status="compensated" if status == "paid" else "overdue",
                        events=events)
        claim = CompensationClaim(loan_id=loan.id, bank_code=loan.bank_code, district_code=loan.district_code,
                                  status=status, claim_date=date(2024, 10, 1), overdue_since=date(2024, 7, 1),
                                  **money, **extra)
        db.session.add(claim)
        db.session.flush()
        ids[name] = claim.id
        if name == "proposed":
            db.session.add(WriteOff(claim_id=claim.id, loan_id=loan.id, amount=Decimal("200000"), reason="借款人失联",
                                    status="proposed"))
    return ids


# --- the walk --------------------------------------------------------------------------

def _send(client, refusal: Refusal, url: str, data, lang: str, world=None):
    headers = {"Accept-Language": lang}
    if refusal.bank_api:
        import uuid

        headers.update({"Authorization": f"Bearer {world.bank_secret}", "Idempotency-Key": uuid.uuid4().hex})
    if refusal.json:
        return client.post(url, json=data, headers=headers)
    has_file = any(isinstance(v, tuple) or (isinstance(v, list) and v and isinstance(v[0], tuple))
                   for v in data.values())
    if has_file:  # a file can be read once: give each request its own copy
        data = {k: ([_file(f[1], f[0].getvalue()) for f in v] if isinstance(v, list) else
                    _file(v[1], v[0].getvalue()) if isinstance(v, tuple) else v) for k, v in data.items()}
        return client.post(url, data=data, headers=headers, content_type="multipart/form-data")
    return client.post(url, data=data, headers=headers)


def _problem(lang: str, refusal: Refusal, response) -> str | None:
    """What is wrong with the answer to a refused request, or None."""
    expected = refusal.en if lang == "en" else refusal.zh
    if response.status_code != refusal.status:
        return f"status {response.status_code}, expected {refusal.status}: {text(response.get_data(as_text=True))[:300]}"
    if refusal.json:
        body = response.get_json(silent=True) or {}
        messages = [m for texts in (body.get("errors") or {}).values() for m in texts]
        if not messages or not any(expected in m for m in messages):
            return f"JSON {body!r} lacks {expected!r}"
        return None
    page = response.get_data(as_text=True)
    if NAV not in page:
        return "not a page of the app (no navigation)"
    try:
        assert_refused_here(response, expected)
    except AssertionError:
        return f"{expected!r} not shown in place: {text(page)[:400]}"
    if lang == "zh":
        if 'lang="zh-CN"' not in page:
            return "the page is not in Chinese"
        if refusal.en != refusal.zh and refusal.en in text(page):
            return f"English text on the Chinese page: {refusal.en!r}"
    return None


def _audit_rows() -> int:
    from loans.audit.models import AuditEvent
    from loans.db import db

    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))


def test_every_refusal_is_shown_in_place_in_both_languages(app, world):
    from loans.db import db

    clients: dict = {}
    audited = _audit_rows()

    def client(role):
        if role not in clients:
            clients[role] = client_as(app, None if role == "anonymous" else world.users[role])
        return clients[role]

    problems = []
    for endpoint, refusal in sorted(REFUSALS.items()) + MORE_REFUSALS:
        for lang in ("en", "zh"):
            db.session.expire_all()
            url, data = refusal.setup(world)
            response = _send(client(refusal.role), refusal, url, data, lang, world)
            if (problem := _problem(lang, refusal, response)) is not None:
                problems.append(f"{endpoint} [{lang}] POST {url}: {problem}")
    assert not problems, "\n".join(problems)
    assert _audit_rows() == audited, "a refused request left an audit row: something was changed"
