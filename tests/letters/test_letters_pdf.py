"""Rendered letters (SPEC §9): content, embedded CJK font, storage, downloads, CLI."""
from __future__ import annotations

import hashlib
import io
import re
import subprocess
from decimal import Decimal

import pytest


pytestmark = pytest.mark.pdf


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    return out.decode()


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_approval_letter_shows_every_element(decided):
    application, letter = decided("approve", name="王小明", business="王小明米粉店", amount=Decimal("200000"),
                                  bank="CZRCB")
    text = pdf_text(letter.pdf)
    for expected in ("郴州市人力资源和社会保障局", "创业担保贷款审批通知书", letter.reference, "王小明", "王小明米粉店",
                     application.id_number_masked, "¥200,000.00", "人民币贰拾万元整", "郴州农商银行",
                     "贷款类型", letter.verification_code, "加 150 个基点", "按月报送经营情况"):
        assert flat(expected) in flat(text), expected
    assert application.id_number not in text and "Individual" not in text
    assert re.fullmatch(r"431002-\d{4}-00001", letter.reference)
    assert letter.kind == "approval" and letter.language == "zh"
    assert letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()


def test_english_applicants_letter_is_chinese_with_an_english_translation(decided):
    """The official letter is Chinese whatever the applicant's language (SPEC §9); the
    courtesy translation is in test_courtesy_translation.py."""
    _, letter = decided("approve", locale="en", name="李雷", amount=Decimal("150000"))
    text = flat(pdf_text(letter.pdf))
    for expected in ("创业担保贷款审批通知书", "¥150,000.00", "人民币壹拾伍万元整", "工商银行郴州分行", "李雷"):
        assert flat(expected) in text, expected
    assert letter.language == "zh" and letter.translation.language == "en"
    translation = flat(pdf_text(letter.translation.pdf)).lower()
    for expected in ("Approval Notice", "¥150,000.00", "ICBC Chenzhou Branch",
                     "at most the 1-year LPR on the contract date + 150 bp", "today's ceiling", "李雷"):
        assert flat(expected).lower() in translation, expected


def test_rejection_letter_names_failed_rules_and_appeal(decided):
    application, letter = decided("reject", name="张三")
    text = flat(pdf_text(letter.pdf))
    assert letter.kind == "rejection"
    for expected in ("创业担保贷款申请不予批准通知书", letter.reference, "张三", "其他贷款", "配偶有未结清的经营贷款",
                     "行政复议", "行政诉讼", "六十日", "六个月"):
        assert flat(expected) in text, expected


def embedded_fonts_ok(data: bytes) -> bool:
    """Every font of the PDF is embedded, and one of them is the CJK font."""
    out = subprocess.run(["pdffonts", "-"], input=data, capture_output=True)
    if out.returncode:  # older poppler reads no stdin
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(data)
            f.flush()
            out = subprocess.run(["pdffonts", f.name], capture_output=True, check=True)
    rows = out.stdout.decode().splitlines()[2:]
    assert rows and all(" yes " in f" {row} " for row in rows), rows
    assert any(re.search(r"CJK|LetterCJK|WenQuanYi", row) and row.split()[-5] == "yes" for row in rows), rows
    return True


def test_cjk_font_is_embedded(decided):
    _, letter = decided("approve")
    assert embedded_fonts_ok(letter.pdf)


def test_missing_glyph_is_reported(app, no_render_warnings):
    from loans.pdf import cjk_font, missing_glyphs

    assert missing_glyphs("郴州市人民币贰拾万元整 ¥200,000.00 Approval") == []
    assert missing_glyphs("\U0001F600") == ["\U0001F600"]
    assert cjk_font().path.is_file()


def test_injection_payload_appears_literally(decided):
    payload = "<script>alert(1)</script>"
    _, letter = decided("approve", business=payload, name="<b>王</b>")
    text = pdf_text(letter.pdf)
    assert flat(payload) in flat(text)
    assert "<b>王</b>" in text


def test_url_fetcher_serves_only_static_files_and_the_font(app, tmp_path):
    from pathlib import Path

    from loans.pdf import cjk_font, url_fetcher_for

    fetch = url_fetcher_for(app.static_folder, cjk_font())
    css = Path(app.static_folder, "css", "letter.css").resolve()
    assert fetch(css.as_uri())["mime_type"] == "text/css"
    fetch(cjk_font().path.resolve().as_uri())["file_obj"].close()
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    for url in ("http://example.com/x.css", "https://169.254.169.254/latest", secret.as_uri(),
                css.as_uri().replace("css/letter.css", "../loans/config.py"), "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(ValueError):
            fetch(url)


def test_rendering_is_deterministic(app, decided):
    from loans.eligibility.services import latest_snapshot
    from loans.letters.render import letter_values, render_pdf

    application, letter = decided("approve")
    values = letter_values(application, kind="approval", reference=letter.reference,
                           verification_code=letter.verification_code, lang="zh",
                           verify_url=f"http://localhost/verify/{letter.verification_code}",
                           snapshot=latest_snapshot(application))
    assert render_pdf(values) == render_pdf(values)


def test_download_is_byte_identical_and_scoped(app, decided, make_user):
    from tests.helpers import client_for

    application, letter = decided("approve")
    own = client_for(app, application.applicant)
    response = own.get(f"/letters/{letter.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert hashlib.sha256(response.data).hexdigest() == letter.sha256
    page = own.get(f"/my/applications/{application.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}.pdf" in page and letter.reference in page

    other = client_for(app, make_user("applicant"))
    assert other.get(f"/letters/{letter.id}.pdf").status_code == 404
    assert other.get("/letters/999999.pdf").status_code == 404
    wrong_district = client_for(app, make_user("officer", district_code="431003"))
    assert wrong_district.get(f"/letters/{letter.id}.pdf").status_code == 404
    bank = client_for(app, make_user("bank"))
    assert bank.get(f"/letters/{letter.id}.pdf").status_code == 403


def test_staff_print_from_case_page(app, decided, make_user):
    from tests.helpers import client_for

    application, letter = decided("approve")
    officer = client_for(app, make_user("officer", district_code=application.district_code))
    page = officer.get(f"/review/cases/{application.id}").get_data(as_text=True)
    assert f"/letters/{letter.id}.pdf" in page
    assert officer.get(f"/letters/{letter.id}.pdf").data == letter.pdf


def test_supervisor_prints_selected_letters_as_one_pdf(app, decided, make_user):
    from pypdf import PdfReader

    from tests.helpers import client_for

    (_, first), (_, second), (_, third) = decided("approve"), decided("reject"), decided("approve")
    supervisor = client_for(app, make_user("supervisor"))
    page = supervisor.get("/letters/print").get_data(as_text=True)
    for letter in (first, second, third):
        assert letter.reference in page
    response = supervisor.post("/letters/print", data={"letter_id": [str(second.id), str(first.id)]},
                               follow_redirects=True)  # the job's page hands the PDF over
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert second.reference in text and first.reference in text and third.reference not in text
    assert text.index(second.reference) < text.index(first.reference)

    scoped = client_for(app, make_user("supervisor", district_code="431003"))
    response = scoped.post("/letters/print", data={"letter_id": [str(first.id)]})
    assert response.status_code == 400  # nothing in scope: the list again, with the reason
    page = response.get_data(as_text=True)
    assert "Choose at least one letter to print." in page and "Redirecting" not in page
    officer = client_for(app, make_user("officer"))
    assert officer.get("/letters/print").status_code == 403


def test_cli_prints_stored_letters(app, runner, decided, tmp_path):
    (_, first), (_, second) = decided("approve"), decided("reject")
    out = tmp_path / "out"
    result = runner.invoke(args=["letters", "print", first.reference, second.reference, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / f"{first.reference}.pdf").read_bytes() == first.pdf
    assert hashlib.sha256((out / f"{second.reference}.pdf").read_bytes()).hexdigest() == second.sha256

    result = runner.invoke(args=["letters", "print", first.reference, "431002-1999-99999", "--output", str(out)])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == ["Error: unknown letter reference: 431002-1999-99999"]
    assert "Traceback" not in result.output


def test_a_rare_character_uses_the_full_font_and_prints(decided):
    # 堃 is outside GB2312: the small letter font lacks it, so the letter embeds the full font.
    _, letter = decided("approve", name="王堃")
    assert "王堃" in pdf_text(letter.pdf)


def test_common_letters_use_the_small_font(app):
    from loans.pdf import cjk_font, letter_font_for

    small = letter_font_for("王小明 郴州市北湖区 ¥200,000.00 人民币贰拾万元整")
    assert small.path != cjk_font().path and small.path.stat().st_size < cjk_font().path.stat().st_size / 3
    assert letter_font_for("王堃").path == cjk_font().path
    # the rate rules of English letters use the minus sign and other maths symbols
    assert letter_font_for("The borrower pays LPR − 1.50 percentage points (1.50 %) ≤ 5.35 %").path == small.path


def test_prepare_font_cli(runner):
    result = runner.invoke(args=["letters", "prepare-font"])
    assert result.exit_code == 0 and "letter font ready" in result.output


def test_a_forged_host_header_never_reaches_a_letter(app, staff):
    """The QR code and printed address of a stored, immutable letter come from
    PUBLIC_BASE_URL alone, whatever Host the deciding request carried (issue 8, finding 7)."""
    from loans.db import db
    from loans.letters.queries import letters_for
    from loans.review import services as review
    from tests.factories import recommended_case

    app.config["PUBLIC_BASE_URL"] = None  # as in the tests: the fixed test address, never the Host
    application = recommended_case("approve")
    db.session.commit()
    supervisor = staff("supervisor")
    with app.test_request_context(f"/review/cases/{application.id}/decide", method="POST",
                                  headers={"Host": "evil.example"}):
        review.decide(application, actor=supervisor, decision="approve")
    db.session.commit()
    (letter,) = letters_for(application)
    text = flat(pdf_text(letter.pdf))
    assert "evil.example" not in text
    assert f"http://localhost/verify/{letter.verification_code}" in text
