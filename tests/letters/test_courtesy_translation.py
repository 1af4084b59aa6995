"""The official letter is Chinese; an applicant whose language is English also gets an
English courtesy translation, marked on every page, under the same reference and code
(SPEC §9 as amended by issue 11, item 6)."""
from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest

from tests.letters.test_letters_pdf import embedded_fonts_ok, flat, pdf_text

pytestmark = pytest.mark.pdf
EN = {"Accept-Language": "en"}
BANNER = "Courtesy translation — the Chinese letter is the official document"
CAPITAL_NUMERALS = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")


def pages(data: bytes) -> list[str]:
    return [flat(page) for page in pdf_text(data).split("\f") if page.strip()]


def test_an_english_applicant_gets_the_official_chinese_letter_and_a_translation(decided):
    application, letter = decided("approve", locale="en", name="Li Wei", amount=Decimal("150000"))
    official = flat(pdf_text(letter.pdf))
    for expected in ("创业担保贷款审批通知书", "批准金额", "¥150,000.00", "人民币壹拾伍万元整", "工商银行郴州分行",
                     "加 150 个基点", "有效期至", letter.reference, letter.verification_code, "Li Wei"):
        assert flat(expected) in official, expected
    assert "Approval Notice" not in official and "Courtesy" not in official and "参考译文" not in official
    assert letter.language == "zh"

    translation = letter.translation
    assert translation is not None and translation.language == "en"
    text = flat(pdf_text(translation.pdf))
    for expected in ("Approval Notice", BANNER, "参考译文", "¥150,000.00 (RMB one hundred fifty thousand yuan)",
                     "ICBC Chenzhou Branch", "At most the 1-year LPR on the contract date + 150 bp",
                     letter.reference, letter.verification_code, f"http://localhost/verify/{letter.verification_code}",
                     "The seal is on the official Chinese letter",
                     "The conditions and explanations the bureau's staff wrote are given as written", "按月报送经营情况"):
        assert flat(expected) in text, expected
    # the English prose carries no untranslated capital numerals (issue 11, item 15)
    assert "人民币" not in text and not CAPITAL_NUMERALS & set(text)
    assert translation.sha256 == hashlib.sha256(translation.pdf).hexdigest() != letter.sha256
    assert translation.size_bytes == len(translation.pdf)


def test_the_note_mentions_staff_text_given_as_written_only_when_it_is_chinese(app, decided):
    from loans.letters.render import letter_values

    application, letter = decided("approve", locale="en")

    def note(conditions):
        application.conditions = conditions
        return letter_values(application, kind="approval", reference=letter.reference, lang="en",
                             verification_code=letter.verification_code, verify_url="http://localhost/verify/x")[
            "courtesy"]["note"]

    assert "given as written" in note("按月报送经营情况。")
    assert "given as written" not in note("Report turnover monthly.")
    assert "given as written" not in note("")
    assert letter_values(application, kind="approval", reference=letter.reference, lang="zh",
                         verification_code=letter.verification_code,
                         verify_url="http://localhost/verify/x")["courtesy"] is None


def test_a_rejection_is_translated_too(decided):
    _, letter = decided("reject", locale="en", name="Li Wei")
    assert "创业担保贷款申请不予批准通知书" in flat(pdf_text(letter.pdf))
    text = flat(pdf_text(letter.translation.pdf))
    for expected in ("Notice of Non-Approval", BANNER, letter.reference, letter.verification_code,
                     "administrative reconsideration within 60 days"):
        assert flat(expected) in text, expected


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_chinese_language_applicant_gets_no_translation(app, decided, decision):
    from tests.helpers import client_for

    application, letter = decided(decision, locale="zh")
    assert letter.translation is None and letter.language == "zh"
    own = client_for(app, application.applicant)
    assert own.get(f"/letters/{letter.id}/translation.pdf").status_code == 404
    page = own.get(f"/my/applications/{application.id}").get_data(as_text=True)
    assert letter.reference in page and "courtesy translation" not in page.lower()
    verify = app.test_client().get(f"/verify/{letter.verification_code}", headers=EN).get_data(as_text=True)
    assert "Official letter (Chinese)" in verify and "Courtesy translation" not in verify


def test_the_translation_is_marked_on_every_page(app, decided):
    """Long conditions push both documents onto a second page: every page of the
    translation says what it is, in English and in Chinese, with the reference."""
    from loans.letters.render import letter_values, render_pdf

    application, letter = decided("approve", locale="en")
    application.conditions = "\n".join(f"{n}. 每季度末提交纳税申报表和社会保险缴纳证明，按月报送经营情况，以便经办银行跟踪核实。"
                                       for n in range(1, 15))
    for lang in ("zh", "en"):
        data = render_pdf(letter_values(application, kind="approval", reference=letter.reference,
                                        verification_code=letter.verification_code, lang=lang,
                                        verify_url=f"http://localhost/verify/{letter.verification_code}"))
        every = pages(data)
        assert len(every) >= 2
        for page in every:
            if lang == "en":
                assert page.count(flat(BANNER)) == 2, page  # the banner on top, and the footer
                assert "参考译文" in page and letter.reference in page
            else:
                assert "Courtesy" not in page and "参考译文" not in page


def test_the_official_letter_is_chinese_whoever_decides_it(app, make_user):
    """An English-speaking supervisor deciding (and printing) through the pages: the
    official letter is Chinese; the translation follows the applicant's language alone."""
    from loans.db import db
    from loans.letters.queries import letters_for
    from tests.factories import recommended_case
    from tests.helpers import client_for

    supervisor = make_user("supervisor")
    client = client_for(app, supervisor)
    assert client.post("/language", data={"lang": "en"}).status_code in (302, 303)
    db.session.refresh(supervisor)
    assert supervisor.locale == "en"
    for applicant_locale, translated in (("en", True), ("zh", False)):
        application = recommended_case("approve")
        application.applicant.locale = applicant_locale
        db.session.commit()
        response = client.post(f"/review/cases/{application.id}/decide",
                               data={"decision": "approve", "amount": str(application.amount)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        (letter,) = letters_for(application)
        text = flat(pdf_text(letter.pdf))
        assert "创业担保贷款审批通知书" in text and "Approval Notice" not in text
        assert (letter.translation is not None) is translated
        page = client.get(f"/review/cases/{application.id}").get_data(as_text=True)
        assert f"/letters/{letter.id}.pdf" in page
        assert (f"/letters/{letter.id}/translation.pdf" in page) is translated
        printed = client.post("/letters/print", data={"letter_id": [str(letter.id)]}, follow_redirects=True)
        assert printed.status_code == 200 and printed.data[:5] == b"%PDF-"
        assert "创业担保贷款审批通知书" in flat(pdf_text(printed.data))


def test_both_documents_are_served_byte_identical_and_listed(app, decided, make_user):
    from loans.db import db
    from tests.helpers import client_for

    application, letter = decided("approve", locale="en")
    translation = letter.translation
    official_bytes, translation_bytes = letter.pdf, translation.pdf
    db.session.expire_all()

    own = client_for(app, application.applicant)
    page = own.get(f"/my/applications/{application.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}.pdf" in page and f"/letters/{letter.id}/translation.pdf" in page
    assert "English courtesy translation" in page and "The letter in Chinese is the official document" in page
    for _ in range(2):  # later downloads are the same bytes
        assert own.get(f"/letters/{letter.id}.pdf").data == official_bytes
        response = own.get(f"/letters/{letter.id}/translation.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data == translation_bytes
        assert hashlib.sha256(response.data).hexdigest() == translation.sha256
    download = own.get(f"/letters/{letter.id}/translation.pdf?download=1")
    assert f"{letter.reference}-en.pdf" in download.headers["Content-Disposition"]

    officer = client_for(app, make_user("officer", district_code=application.district_code))
    case_page = officer.get(f"/review/cases/{application.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}/translation.pdf" in case_page and translation.sha256[:16] in case_page
    assert officer.get(f"/letters/{letter.id}/translation.pdf").data == translation_bytes

    assert client_for(app, make_user("applicant")).get(f"/letters/{letter.id}/translation.pdf").status_code == 404
    other_district = client_for(app, make_user("officer", district_code="431003"))
    assert other_district.get(f"/letters/{letter.id}/translation.pdf").status_code == 404
    assert client_for(app, make_user("bank")).get(f"/letters/{letter.id}/translation.pdf").status_code == 403


def test_a_tampered_translation_is_not_served(app, decided):
    from loans.db import db
    from loans.letters.services import LetterIntegrityError, letter_pdf

    _, letter = decided("approve", locale="en")
    letter.translation.pdf = letter.translation.pdf.replace(b"%PDF", b"%PDX", 1)
    db.session.flush()
    with pytest.raises(LetterIntegrityError, match=f"translation of letter {letter.reference}"):
        letter_pdf(letter.translation)
    db.session.rollback()


def test_batch_printing_prints_the_official_chinese_letters(app, decided, make_user):
    from pypdf import PdfReader

    from tests.helpers import client_for

    (_, english), (_, chinese) = decided("approve", locale="en"), decided("reject", locale="zh")
    supervisor = client_for(app, make_user("supervisor"))
    supervisor.post("/language", data={"lang": "en"})
    response = supervisor.post("/letters/print", data={"letter_id": [str(english.id), str(chinese.id)]},
                               follow_redirects=True)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    text = flat(pdf_text(response.data))
    assert "创业担保贷款审批通知书" in text and "创业担保贷款申请不予批准通知书" in text
    assert "Courtesy" not in text and "Approval Notice" not in text


def test_the_verify_page_names_both_documents(app, decided):
    application, letter = decided("approve", locale="en", name="Li Wei")
    client = app.test_client()
    page = client.get(f"/verify/{letter.verification_code}", headers=EN).get_data(as_text=True)
    assert "Valid" in page and "Letter reference" in page and letter.reference in page
    assert "Official letter (Chinese)" in page and "Courtesy translation (English)" in page
    assert letter.sha256 in page and letter.translation.sha256 in page
    assert application.reference not in page  # the case reference is not the letter's
    zh = client.get(f"/verify/{letter.verification_code}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert letter.reference in zh and letter.sha256 in zh
    assert "申请编号" not in zh  # the letter's reference is not the application's (issue 11, item 15)


def test_translation_embeds_the_cjk_font(decided):
    _, letter = decided("approve", locale="en", name="李雷")
    assert embedded_fonts_ok(letter.translation.pdf)


@pytest.mark.parametrize("amount, words", [
    ("200000", "RMB two hundred thousand yuan"),
    ("150000.00", "RMB one hundred fifty thousand yuan"),
    ("4000000", "RMB four million yuan"),
    ("1234.56", "RMB one thousand two hundred thirty-four yuan and fifty-six fen"),
    ("100000.10", "RMB one hundred thousand yuan and ten fen"),
    ("21", "RMB twenty-one yuan"),
    ("1001000", "RMB one million one thousand yuan"),
    ("0.05", "RMB zero yuan and five fen"),
])
def test_english_amount_words(amount, words):
    from loans.letters.render import english_amount_words

    assert english_amount_words(Decimal(amount)) == words
