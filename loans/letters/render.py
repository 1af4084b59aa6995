"""Letters as PDF (SPEC §9): plain preformatted values → Jinja template → WeasyPrint.

The font, the restricted URL fetcher and the PDF step are ``loans.pdf``'s (shared with the
subsidy statements). Output is deterministic for the same values: the PDF's dates are the
decision date, so a re-render gives the same bytes.
"""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from markupsafe import Markup

from ..core.money import capital_numerals, format_rate, format_yuan, to_fen
from ..labels import LOAN_TYPE, RULE_NAME
from ..pdf import BUREAU, CJKFont, html_to_pdf, letter_font_for, long_date, missing_glyphs

log = logging.getLogger(__name__)

TITLES = {
    ("approval", "zh"): "创业担保贷款审批通知书",
    ("approval", "en"): "Approval Notice: Entrepreneurship Guaranteed Loan",
    ("rejection", "zh"): "创业担保贷款申请不予批准通知书",
    ("rejection", "en"): "Notice of Non-Approval: Entrepreneurship Guaranteed Loan Application",
}


# --- values ------------------------------------------------------------------------

WORDS = {
    "zh": {
        "reference": "编号", "applicant": "申请人", "id_number": "公民身份号码", "business": "经营项目（主体）",
        "loan_type": "贷款类型", "amount": "批准金额", "term": "贷款期限", "bank": "经办银行",
        "rate_rule": "贷款利率", "borrower_rate_rule": "借款人利息承担", "valid_until": "有效期至",
        "conditions": "附加条件", "officer": "经办人", "supervisor": "审批人", "verification": "核验码",
        "application_ref": "申请编号", "none": "无", "failed_rules": "不符合的条件", "explanation": "说明",
        "appeal_title": "救济途径", "verify_hint": "扫描二维码或访问以下网址核验本通知书的真实性与效力：",
        "notes_title": "注意事项", "seal": "（盖章）",
    },
    "en": {
        "reference": "Reference", "applicant": "Applicant", "id_number": "Resident ID", "business": "Business",
        "loan_type": "Loan type", "amount": "Approved amount", "term": "Term", "bank": "Partner bank",
        "rate_rule": "Interest rate", "borrower_rate_rule": "Borrower's share", "valid_until": "Valid until",
        "conditions": "Conditions", "officer": "Case officer", "supervisor": "Approved by",
        "verification": "Verification code", "application_ref": "Application", "none": "None",
        "failed_rules": "Conditions not met", "explanation": "Explanation", "appeal_title": "Your right to appeal",
        "verify_hint": "Scan the QR code or visit this address to check the official letter and this translation:",
        "notes_title": "Please note", "seal": "(The seal is on the official Chinese letter.)",
    },
}

# The English letter is a courtesy translation (SPEC §9): marked on every page, in both
# languages, so that a bank clerk who reads only Chinese knows it too.
COURTESY = {
    "banner_en": "Courtesy translation — the Chinese letter is the official document",
    "banner_zh": "参考译文 · 以中文通知书为准",
    "note": ("English courtesy translation of the bureau's letter {reference}, issued in Chinese. The Chinese "
             "letter is the official document and prevails; both are verified with the same code."),
    "footer_zh": "参考译文 · 以中文通知书为准 · 通知书编号 {reference}",
}
# Said when the staff's own words (conditions, explanation) are in Chinese: they are not translated.
AS_WRITTEN = " The conditions and explanations the bureau's staff wrote are given as written."


def _courtesy(reference: str, staff_text: str) -> dict[str, str]:
    marks = {key: text.format(reference=reference) for key, text in COURTESY.items()}
    if any("\u3400" <= ch <= "\u9fff" for ch in staff_text):
        marks["note"] += AS_WRITTEN
    return marks


# Letters are stored for good: a Chinese letter must not pick up an English label from a
# catalogue still being translated, so these labels fall back to fixed Chinese text.
ZH_LABELS = {
    "individual": "个人创业贷款", "partnership": "合伙创业贷款", "enterprise": "小微企业贷款",
    "key_group": "重点群体身份", "age": "法定劳动年龄", "graduate_window": "毕业年限", "amount": "贷款额度",
    "term": "贷款期限", "loan_history": "既往贷款记录", "other_loans": "其他贷款", "credit": "信用记录",
    "place": "经营地点", "hiring": "吸纳重点群体就业", "compliance": "工资与社会保险缴纳",
    "not_employed": "未在固定单位就业", "partners": "合伙人条件", "duplicate": "无其他在办申请",
}


def _in(lang: str, table: dict, code: str) -> str:
    """``table[code]`` in the letter's language (not the request's)."""
    with force_locale(lang):
        text = str(table[code])
    if lang == "zh" and code in ZH_LABELS:
        with force_locale("en"):
            if text == str(table[code]):  # untranslated
                return ZH_LABELS[code]
    return text


_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "- - twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand"))


def _english_number(n: int) -> str:
    """``215`` → ``two hundred fifteen``, as written on cheques (no "and")."""
    for size, name in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            return f"{_english_number(high)} {name}" + (f" {_english_number(rest)}" if rest else "")
    if n >= 100:
        high, rest = divmod(n, 100)
        return f"{_ONES[high]} hundred" + (f" {_english_number(rest)}" if rest else "")
    if n >= 20:
        high, rest = divmod(n, 10)
        return _TENS[high] + (f"-{_ONES[rest]}" if rest else "")
    return _ONES[n]


def english_amount_words(amount: Decimal) -> str:
    """The amount in English words, as the translation's counterpart of the official
    letter's capital numerals: ``200000`` → ``RMB two hundred thousand yuan``,
    ``1234.56`` → ``RMB one thousand two hundred thirty-four yuan and fifty-six fen``."""
    fen = to_fen(amount)
    if fen < 0:
        raise ValueError("amount must not be negative")
    yuan, fen = divmod(fen, 100)
    words = f"RMB {_english_number(yuan)} yuan"
    return words + (f" and {_english_number(fen)} fen" if fen else "")


def qr_svg(url: str) -> Markup:
    """The verification URL as an inline SVG QR code (nothing to fetch)."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=1, border=0, omitsize=True, dark="#000")
    return Markup(svg)


def _lpr_published_on(application) -> date | None:
    """The publication date of the fixing the decision used (the latest on the decision
    date, as ``review.services.decide`` took it), so a stale fixing shows on the letter."""
    from ..policy.queries import latest_lpr_fixing

    if application.decision_on is None or application.approval_lpr_rate is None:
        return None
    fixing = latest_lpr_fixing(application.decision_on)
    return fixing.published_on if fixing is not None and fixing.rate == application.approval_lpr_rate else None


def _rate_rule(application, lang: str) -> str:
    cap = application.approval_cap_bp
    ceiling = format_rate(application.rate_ceiling_rate)
    lpr = format_rate(application.approval_lpr_rate)
    published = _lpr_published_on(application)
    if lang == "zh":
        source = f"（{long_date(published, lang)}公布）" if published else ""
        return (f"不超过借款合同签订日一年期贷款市场报价利率（LPR）加 {cap} 个基点；"
                f"按今日一年期 LPR {lpr}%{source}计算，上限为 {ceiling}%。")
    source = f", published on {long_date(published, lang)}" if published else ""
    return (f"At most the 1-year LPR on the contract date + {cap} bp; "
            f"today's ceiling {ceiling} % (1-year LPR {lpr} %{source}).")


def _failed_rules(application, snapshot, lang: str) -> list[dict[str, str]]:
    by_id = {r["id"]: r for r in (snapshot.rules if snapshot else [])}
    rows = []
    for rule_id in application.rejection_rules or []:
        rule = by_id.get(rule_id, {})
        name = _in(lang, RULE_NAME, rule["name"]) if rule.get("name") in RULE_NAME else rule_id
        if rule.get("result") == "fail":
            message = rule.get(f"message_{lang}") or rule.get("message") or ""
        else:  # the engine passed it; the officer found otherwise on the evidence
            message = "经审核，不符合该项条件。" if lang == "zh" else "Found not to be met on review."
        rows.append({"id": rule_id, "name": name, "message": message})
    return rows


def letter_values(application, *, kind: str, reference: str, verification_code: str, lang: str,
                  verify_url: str, snapshot=None) -> dict:
    """Everything the template shows, as preformatted strings (no ORM objects).

    ``lang`` "zh": the official letter; "en": its courtesy translation, marked as such."""
    on = application.decision_on
    bank = application.approved_bank
    values = {
        "lang": lang, "kind": kind, "w": WORDS[lang], "bureau": BUREAU[lang], "bureau_zh": BUREAU["zh"],
        "bureau_en": BUREAU["en"], "title": TITLES[(kind, lang)], "reference": reference,
        "application_ref": application.reference or "", "applicant_name": application.full_name or "",
        "id_number_masked": application.id_number_masked or "", "business": application.business_name or "",
        "loan_type": _in(lang, LOAN_TYPE, application.loan_type) if application.loan_type in LOAN_TYPE else "",
        "district": application.district.label(lang) if application.district else "",
        "submitted_on": long_date(application.application_date or on, lang),
        "decision_date": long_date(on, lang), "created_iso": on.isoformat(),
        "officer": (application.recommended_by.name or application.recommended_by.email)
        if application.recommended_by else "",
        "supervisor": (application.decided_by.name or application.decided_by.email) if application.decided_by else "",
        "verification_code": verification_code, "verify_url": verify_url, "qr_svg": qr_svg(verify_url),
    }
    if kind == "approval":
        values.update({
            "amount_figures": format_yuan(application.approved_amount),
            "amount_words": (capital_numerals(application.approved_amount) if lang == "zh"
                             else english_amount_words(application.approved_amount)),
            "term": (f"{application.approved_term_months} 个月" if lang == "zh"
                     else f"{application.approved_term_months} months"),
            "bank": bank.label(lang) if bank else "",
            "rate_rule": _rate_rule(application, lang),
            "borrower_rate_rule": (application.borrower_rate_rule_zh if lang == "zh"
                                   else application.borrower_rate_rule_en) or "",
            "valid_until": long_date(application.valid_until_date, lang),
            "conditions": (application.conditions or "").strip() or WORDS[lang]["none"],
        })
    else:
        values.update({
            "failed_rules": _failed_rules(application, snapshot, lang),
            "explanation": (application.rejection_explanation or "").strip(),
        })
    values["courtesy"] = (None if lang == "zh" else
                          _courtesy(reference, values.get("conditions", "") + values.get("explanation", "")))
    return values


def render_html(values: dict, font: CJKFont | None = None) -> str:
    template = current_app.jinja_env.get_template(f"letters/{values['kind']}.html")
    font = font or letter_font_for(_letter_text(values))
    return template.render(**values, font_url=font.path.resolve().as_uri())


def _letter_text(values: dict) -> str:
    return " ".join(str(v) for v in _strings(values))


def render_pdf(values: dict) -> bytes:
    """The letter as PDF bytes; warns (logger ``loans.letters.render``) about any character
    the embedded font lacks, which tests turn into failures."""
    text = _letter_text(values)
    font = letter_font_for(text)
    html = render_html(values, font)
    for ch in missing_glyphs(text, font):
        log.warning("no glyph for %r (U+%04X) in %s: it would print as .notdef", ch, ord(ch), font.family)
    identifier = values["reference"] if values["lang"] == "zh" else f"{values['reference']}/{values['lang']}"
    return html_to_pdf(html, font, identifier.encode())


def _strings(values):
    for key, value in values.items():
        if key == "qr_svg":
            continue
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for row in value:
                yield from _strings(row)
        elif isinstance(value, dict):
            yield from _strings(value)
