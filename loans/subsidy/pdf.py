"""The printable statement of one bank and period (SPEC §9): A4 landscape, the lines table
with its header repeated on every page, page x of y, totals and signature boxes.

The words are fixed per language here (as for the letters): a printed finance document
must not mix in English labels while the catalogue is being translated. The renderer is
the letters' one (``loans.pdf``): the same embedded CJK font subset and restricted URL fetcher.
"""
from __future__ import annotations

import logging

from flask import current_app

from ..core.dates import quarter_name, quarter_period
from ..core.money import capital_numerals, format_amount, format_grouped, format_rate, format_yuan
from ..core.policy import policy_source
from ..db import LOCAL_TZ, db
from ..pdf import BUREAU, html_to_pdf, letter_font_for, long_date, missing_glyphs
from ..policy.models import Bank
from . import queries
from .models import StatementStatus

log = logging.getLogger(__name__)

TITLE = {"zh": "创业担保贷款财政贴息资金结算表", "en": "Interest Subsidy Statement — Entrepreneurship Guaranteed Loans"}
STATUS = {
    "zh": {StatementStatus.draft: "草稿（未审核，不作为拨付依据）", StatementStatus.reviewed: "已审核",
           StatementStatus.approved: "已审批", StatementStatus.paid: "已拨付",
           StatementStatus.superseded: "已作废（被新版本取代）"},
    "en": {StatementStatus.draft: "Draft (not reviewed; not a basis for payment)", StatementStatus.reviewed: "Reviewed",
           StatementStatus.approved: "Approved", StatementStatus.paid: "Paid",
           StatementStatus.superseded: "Superseded by a newer version"},
}
WORDS = {
    "zh": {
        "bank": "经办银行", "period": "贴息期间", "statement": "结算表编号", "status": "状态", "basis": "政策依据",
        "basis_text": ("按贷款首次发放日适用的政策版本 {versions} 计算；贴息金额 = 贴息积数 × 贴息利率 ÷ 100 ÷ {basis}，"
                       "每笔贷款每期四舍五入至分；逾期期间及超过贴息期限的天数不予贴息。LPR 为借款合同签订日适用的一年期贷款市场报价利率。"),
        "no": "序号", "loan_ref": "贷款编号", "borrower": "借款人", "policy": "政策版本", "contract_rate": "合同利率(%)",
        "lpr": "LPR(%)", "subsidy_rate": "贴息利率(%)", "days": "贴息天数", "balance_days": "贴息积数(元·天)",
        "subsidy": "贴息金额(元)", "total": "合计", "loans": "笔", "in_words": "合计金额（大写）",
        "prepared": "制表", "reviewed": "审核", "approved": "审批", "name": "签字", "date": "日期",
        "paid": "拨付", "paid_on": "拨付日期", "voucher": "凭证号", "days_unit": "天", "to": "至",
        "no_lines": "本期无应贴息贷款。", "version": "第 {v} 版", "reopened": "重开原因",
        "page": 'counter(page) " / " counter(pages)', "page_label": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
        "issuer": "郴州市财政局 · " + BUREAU["zh"], "unit": "金额单位：元",
        "adjustments": "以前期间贴息调整", "original_period": "原贴息期间", "frozen": "已结算金额(元)",
        "recomputed": "重新计算金额(元)", "adjustment": "调整金额(元)", "lines_total": "本期贴息合计",
        "adjustments_total": "调整合计", "statement_total": "结算合计", "entries": "项",
        "adjustments_note": ("以下贷款的事项（还款、逾期等）在原贴息期间结算表审核后才登记，原结算表不作更改，"
                             "差额在本结算表中调整。"),
        "refund_words": "银行应退回金额（大写）",
        "refund": "结算合计为负数，即银行应退回财政贴息资金 {amount}。",
    },
    "en": {
        "bank": "Partner bank", "period": "Subsidy period", "statement": "Statement", "status": "Status",
        "basis": "Policy basis",
        "basis_text": ("Policy version in force on each loan's first disbursement date: {versions}; subsidy = "
                       "balance-days × subsidy rate ÷ 100 ÷ {basis}, rounded half-up to the fen per loan per period; "
                       "overdue days and days beyond the subsidy term earn none. LPR: the 1-year Loan Prime Rate in "
                       "force on the contract date."),
        "no": "No.", "loan_ref": "Loan ref", "borrower": "Borrower", "policy": "Policy",
        "contract_rate": "Contract rate %", "lpr": "LPR %", "subsidy_rate": "Subsidy rate %", "days": "Days",
        "balance_days": "Balance-days (¥·days)", "subsidy": "Subsidy (¥)", "total": "Total", "loans": "loans",
        "in_words": "Total in words", "prepared": "Prepared by", "reviewed": "Reviewed by", "approved": "Approved by",
        "name": "Signature", "date": "Date", "paid": "Payment", "paid_on": "Paid on", "voucher": "Voucher no.",
        "days_unit": "days", "to": "to", "no_lines": "No loan earns a subsidy in this period.",
        "version": "version {v}", "reopened": "Reopened because",
        "page": 'counter(page) " / " counter(pages)',
        "page_label": '"Page " counter(page) " of " counter(pages)',
        "issuer": "Chenzhou Finance Bureau · " + BUREAU["en"], "unit": "Amounts in yuan",
        "adjustments": "Adjustments for earlier periods", "original_period": "Original period",
        "frozen": "Frozen (¥)", "recomputed": "Recomputed (¥)", "adjustment": "Adjustment (¥)",
        "lines_total": "Lines total", "adjustments_total": "Adjustments total", "statement_total": "Statement total",
        "entries": "items",
        "adjustments_note": ("Events (repayments, overdue periods…) recorded after the original period's statement "
                             "was reviewed leave that statement unchanged; the differences are adjusted here."),
        "refund_words": "Refund due from the bank, in words",
        "refund": "The statement total is negative: a refund of {amount} is due from the bank.",
    },
}


def _date(dt, lang: str) -> str:
    if dt is None:
        return ""
    day = dt.astimezone(LOCAL_TZ).date() if hasattr(dt, "astimezone") and hasattr(dt, "hour") else dt
    return long_date(day, lang)


def statement_values(statement, lang: str) -> dict:
    """Everything the PDF shows, preformatted (no ORM objects reach the template)."""
    w = WORDS[lang]
    start, end = quarter_period(statement.period)
    bank = db.session.get(Bank, statement.bank_code)
    names = queries.user_names(statement.computed_by_id, statement.reviewed_by_id, statement.approved_by_id,
                               statement.paid_by_id)
    lines = queries.all_lines(statement)
    codes = sorted({line.policy_code for line in lines})
    versions = "、".join(f"{c}（{policy_source(c)}）" for c in codes) if lang == "zh" else \
        "; ".join(f"{c} ({policy_source(c)})" for c in codes)
    total = statement.total
    lines_total = total - statement.adjustments_total
    adjustments = queries.all_adjustments(statement)
    return {
        "lang": lang, "w": w, "title": TITLE[lang], "bureau_zh": BUREAU["zh"], "bureau_en": BUREAU["en"],
        "bank": f"{bank.label(lang)}（{bank.code}）" if lang == "zh" else f"{bank.label(lang)} ({bank.code})",
        "period": quarter_name(statement.period, lang),
        "period_dates": f"{long_date(start, lang)} {w['to']} {long_date(end, lang)}"
                        f"（{(end - start).days + 1} {w['days_unit']}）" if lang == "zh" else
                        f"{long_date(start, lang)} {w['to']} {long_date(end, lang)} ({(end - start).days + 1} days)",
        "reference": f"{statement.period}-{statement.bank_code}-v{statement.version}",
        "version": w["version"].format(v=statement.version),
        "status": STATUS[lang].get(statement.status, statement.status),
        "is_draft": statement.status == StatementStatus.draft,
        "basis_text": w["basis_text"].format(versions=versions or "—", basis=360),
        "reopen_reason": statement.reopen_reason or "",
        "rows": [{
            "no": str(i), "loan_ref": line.loan_ref, "borrower": line.borrower_masked, "policy": line.policy_code,
            "contract_rate": format_rate(line.contract_rate), "lpr": format_rate(line.lpr_rate),
            "subsidy_rate": format_rate(line.subsidy_rate), "days": str(line.subsidised_days),
            "balance_days": format_grouped(line.balance_days), "subsidy": format_amount(line.subsidy),
        } for i, line in enumerate(lines, start=1)],
        "line_count": str(len(lines)), "lines_total": format_amount(lines_total),
        "total": format_amount(total), "total_yuan": format_yuan(abs(total)),
        "total_words": capital_numerals(abs(total)), "is_refund": total < 0,
        "refund": w["refund"].format(amount=format_yuan(-total)) if total < 0 else "",
        "adjustment_rows": [{
            "no": str(i), "loan_ref": a.loan_ref, "original_period": quarter_name(a.original_period, lang),
            "frozen": format_amount(a.frozen_subsidy), "recomputed": format_amount(a.recomputed_subsidy),
            "adjustment": format_amount(a.adjustment),
        } for i, a in enumerate(adjustments, start=1)],
        "adjustment_count": str(len(adjustments)), "adjustments_total": format_amount(statement.adjustments_total),
        "prepared_by": names.get(statement.computed_by_id, ""), "prepared_on": _date(statement.computed_at, lang),
        "reviewed_by": names.get(statement.reviewed_by_id, ""), "reviewed_on": _date(statement.reviewed_at, lang),
        "approved_by": names.get(statement.approved_by_id, ""), "approved_on": _date(statement.approved_at, lang),
        "paid_on": long_date(statement.paid_on, lang) if statement.paid_on else "",
        "voucher_no": statement.voucher_no or "", "paid_by": names.get(statement.paid_by_id, ""),
        "created_iso": statement.computed_at.astimezone(LOCAL_TZ).date().isoformat(),
    }


# (key, cell class, the widest value that fits the column on one line, in half-width characters)
COLUMNS = (("no", "c", 6), ("loan_ref", "", 18), ("borrower", "", 26), ("policy", "c", 10), ("contract_rate", "num", 9),
           ("lpr", "num", 7), ("subsidy_rate", "num", 9), ("days", "num", 7), ("balance_days", "num", 16),
           ("subsidy", "num", 14))


def _width(text: str) -> int:
    """Half-width characters: a Chinese character counts two."""
    return len(text) + sum(1 for ch in text if ord(ch) >= 0x2E80)


def line_columns(rows: list[dict], per_row: int = 25) -> list[list[tuple[str, str]]]:
    """The lines table as rows of ten cells holding ``per_row`` statement lines each, one
    line per statement line — [[(class, text)]] — or [] when some value might not fit its
    column on one line (then a row of cells per statement line)."""
    if not rows or any(_width(row[key]) > most for row in rows for key, _, most in COLUMNS):
        return []
    return [[(cls, "\n".join(row[key] for row in rows[i:i + per_row])) for key, cls, _ in COLUMNS]
            for i in range(0, len(rows), per_row)]


def _text(values: dict) -> str:
    parts = [str(v) for k, v in values.items() if isinstance(v, str)]
    parts += [str(v) for v in values["w"].values()]
    parts += [str(v) for row in values["rows"] + values["adjustment_rows"] for v in row.values()]
    return " ".join(parts)


def render_statement_pdf(statement, lang: str) -> bytes:
    """The statement as PDF bytes in ``lang`` ('zh' or 'en')."""
    values = statement_values(statement, lang)
    values["columns"] = line_columns(values["rows"])
    text = _text(values)
    font = letter_font_for(text)
    for ch in missing_glyphs(text, font):
        log.warning("no glyph for %r (U+%04X) in %s: it would print as .notdef", ch, ord(ch), font.family)
    template = current_app.jinja_env.get_template("subsidy/statement_pdf.html")
    html = template.render(**values, font_url=font.path.resolve().as_uri())
    return html_to_pdf(html, font, values["reference"].encode())
