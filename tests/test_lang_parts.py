"""Language of parts (WCAG 3.1.2, issue 12): on an English page every run of Chinese sits in
an element whose ``lang`` is Chinese; nothing else of the page changes, Chinese pages and
files are answered as rendered, and English PDFs are marked the same way."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from loans.lang_parts import HAS_CJK, mark_chinese_parts, mark_html_response
from tests.helpers import unmarked as unmarked_words
from tests.letters.test_letters_pdf import embedded_fonts_ok, pdf_text

ZH_SPAN = '<span lang="zh-CN">'
ZH_ATTR = ' lang="zh-CN"'
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


def page(body: str, lang: str = "en") -> str:
    return (f'<!doctype html>\n<html lang="{lang}">\n<head><meta charset="utf-8"><title>案件 张三 · Case</title>'
            f'</head>\n<body>\n{body}\n</body>\n</html>\n')


def unmarked(html: str) -> str:
    """``html`` without anything marking inserts (these pages have no lang on options or SVG titles)."""
    return re.sub(r'<(option|title|desc) lang="zh-CN"', r"<\1", unmarked_words(html))


class Unmarked(HTMLParser):
    """Text with Chinese whose nearest ``lang`` is not Chinese, as (element, text) — read
    independently of the marker. Text-only elements (<option>, SVG <title>/<desc>) must carry
    the lang themselves; <script>, <style>, <textarea> and the page <title> are not text of the page."""

    def __init__(self):
        super().__init__()
        self.stack = [("", "", False)]
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        lang = dict(attrs).get("lang")
        self.stack.append((tag, self.stack[-1][1] if lang is None else lang, self.stack[-1][2] or tag == "svg"))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        tag, lang, in_svg = self.stack[-1]
        if tag in ("script", "style", "textarea") or (tag == "title" and not in_svg):
            return
        if HAS_CJK.search(data) and not lang.lower().startswith("zh"):
            self.found.append((tag, data.strip()))


def unmarked_chinese(html: str) -> list:
    reader = Unmarked()
    reader.feed(html)
    reader.close()
    return reader.found


# --- the marker --------------------------------------------------------------------------------

@pytest.mark.nodb
def test_names_glosses_dates_and_citations_are_wrapped_where_they_stand():
    html = page("<p>Applicant 张三, 北湖区 431002, business 张三米粉店.</p>\n"
                "<p>Record an extension (展期); the bureau's ledger (台账).</p>\n"
                "<p>Decided on 2026年12月2日 under 湘人社发〔2019〕12号 “双创”, signed 买买提·艾力.</p>")
    marked = mark_chinese_parts(html)
    assert ('<p>Applicant <span lang="zh-CN">张三</span>, <span lang="zh-CN">北湖区</span> 431002, '
            'business <span lang="zh-CN">张三米粉店</span>.</p>') in marked
    assert ('<p>Record an extension (<span lang="zh-CN">展期</span>); '
            'the bureau\'s ledger (<span lang="zh-CN">台账</span>).</p>') in marked
    assert ('<span lang="zh-CN">2026年12月2日</span> under <span lang="zh-CN">湘人社发〔2019〕12号</span> <span lang="zh-CN">“双创”</span>, '
            'signed <span lang="zh-CN">买买提·艾力</span>.') in marked
    assert unmarked(marked) == html and unmarked_chinese(marked) == []


@pytest.mark.nodb
def test_attributes_comments_scripts_styles_textareas_and_the_title_are_left_as_written():
    body = ('<a href="/q?name=张三" title="张三 · Officer" aria-label="张三">Officer</a>\n'
            "<!-- 张三 wrote this -->\n<script>const who = '张三';</script>\n<style>.x::after { content: '张'; }</style>\n"
            '<textarea name="conditions">按月报送经营情况。</textarea>\n<input name="business" value="张三米粉店">')
    html = page(body)
    assert mark_chinese_parts(html) == html


@pytest.mark.nodb
def test_an_option_or_an_svg_title_gets_the_lang_itself_as_nothing_may_go_inside_it():
    html = page('<select name="bank"><option value="a">工商银行</option><option value="b">ICBC</option>'
                '<option value="c">Beihu 北湖区<option value="d" lang="en">Beihu</select>\n'
                '<svg role="img"><title>北湖区</title><desc>Loans by district</desc>'
                '<text x="1">北湖区 12</text><rect><title>北湖区: 3</title></rect></svg>')
    marked = mark_chinese_parts(html)
    assert ('<option lang="zh-CN" value="a">工商银行</option><option value="b">ICBC</option>'
            '<option lang="zh-CN" value="c">Beihu 北湖区<option value="d" lang="en">Beihu</select>') in marked
    assert ('<svg role="img"><title lang="zh-CN">北湖区</title><desc>Loans by district</desc>'
            '<text x="1"><tspan lang="zh-CN">北湖区</tspan> 12</text><rect><title lang="zh-CN">北湖区: 3</title></rect>'
            '</svg>') in marked
    assert unmarked(marked) == html and unmarked_chinese(marked) == []


@pytest.mark.nodb
def test_chinese_already_marked_is_not_wrapped_again():
    html = page('<button lang="zh-CN">中文</button> <td lang="zh-CN">重点群体 <b>高校毕业生</b></td>'
                '<div lang="zh-CN"><select><option>北湖区</option></select></div>')
    assert mark_chinese_parts(html) == html
    marked = mark_chinese_parts(page("<p>张三</p>"))
    assert mark_chinese_parts(marked) == marked


@pytest.mark.nodb
def test_a_chinese_page_or_one_without_chinese_is_returned_as_it_is():
    chinese = page("<p>申请人 张三 <span lang=\"en\">Beihu</span></p>", lang="zh-CN")
    assert mark_chinese_parts(chinese) is chinese
    english = page("<p>Nothing to mark</p>")
    assert mark_chinese_parts(english) is english


TEXT = st.text(alphabet="张三北湖区展期，。〔〕《》“” ·abc AB 0123\n&<>'\"", max_size=12).map(lambda s: str(escape(s)))
LEAVES = st.one_of(
    TEXT,
    st.sampled_from(["<br>", "&amp;", "&nbsp;", "<!-- 张三 -->", "<input value=\"张三\">",
                     "<script>var s = '张三 < 2';</script>", "<textarea>张三 &amp; 李四</textarea>",
                     "<select><option>张三</option><option>Li</option><option>Li 李</select>",
                     "<svg><title>北湖</title><text x=\"1\">北湖区 1</text></svg>"]),
)
TAGS = st.sampled_from(['p', 'div', 'td', 'li', 'b title="张三"', 'a href="/?q=张"', 'div lang="zh-CN"', 'p lang="zh"',
                        'span lang="en"'])


def _element(children):
    return st.tuples(TAGS, st.lists(children, max_size=4)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0].split()[0]}>")


@pytest.mark.nodb
@given(st.lists(st.recursive(LEAVES, _element, max_leaves=12), max_size=5).map("".join))
def test_any_page_keeps_every_byte_and_leaves_no_chinese_unmarked(body):
    html = page(body).replace("<span lang=\"en\">", "<i lang=\"en\">").replace("</span>", "</i>")
    marked = mark_chinese_parts(html)
    assert unmarked(marked) == html
    assert unmarked_chinese(marked) == []
    assert mark_chinese_parts(marked) == marked


# --- over HTTP ---------------------------------------------------------------------------------

def test_an_english_case_page_marks_names_and_the_chinese_one_is_unchanged(app, make_case, staff, as_user):
    officer = staff("officer", district_code="431002", name="李信贷")
    case = make_case("submitted", name="张三", business="张三米粉店", officer=officer)
    client = as_user(officer)

    english = client.get(f"/review/cases/{case.id}").get_data(as_text=True)
    assert '<span lang="zh-CN">张三</span>' in english and '<span lang="zh-CN">张三米粉店</span>' in english
    assert '<span lang="zh-CN">李信贷</span>' in english
    assert 'title="李信贷' in english  # attributes as rendered
    assert unmarked_chinese(english) == []

    client.post("/language", data={"lang": "zh"})
    chinese = client.get(f"/review/cases/{case.id}").get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese and "张三米粉店" in chinese and ZH_SPAN not in chinese


def test_glosses_in_english_sentences_are_marked(app, staff, as_user):
    admin = as_user(staff("admin"))
    imports = admin.get("/admin/ledger/").get_data(as_text=True)
    assert "The bureau’s existing loans (<span lang=\"zh-CN\">台账</span>)." in imports
    calendar = admin.get("/admin/policy/calendar").get_data(as_text=True)
    assert 'Adjusted workday (<span lang="zh-CN">调休</span>)' in calendar
    for body in (imports, calendar):
        assert unmarked_chinese(body) == []


def test_the_public_pages_in_english_leave_no_chinese_unmarked(client):
    for path in ("/", "/eligibility", "/login", "/register", "/no-such-page"):
        body = client.get(path).get_data(as_text=True)
        assert '<html lang="en">' in body and unmarked_chinese(body) == [], path


def test_over_http_only_text_is_touched(app):
    """A page in the reader's language, with every place the marker must leave alone."""
    from flask import render_template_string

    from loans.access import public

    @public
    def specimen():
        return render_template_string(
            '<!doctype html><html lang="{{ current_lang }}"><head><title>张三</title></head><body>'
            '<p title="张三">张三 (展期)</p><script>var a = "张三";</script><textarea>张三</textarea>'
            '<select><option>工商银行</option></select></body></html>')

    app.add_url_rule("/specimen", view_func=specimen)
    english = app.test_client().get("/specimen", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert english == ('<!doctype html><html lang="en"><head><title>张三</title></head><body>'
                       '<p title="张三"><span lang="zh-CN">张三</span> (<span lang="zh-CN">展期</span>)</p>'
                       '<script>var a = "张三";</script><textarea>张三</textarea>'
                       '<select><option lang="zh-CN">工商银行</option></select></body></html>')
    chinese = app.test_client().get("/specimen", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert chinese == unmarked(english).replace('lang="en"', 'lang="zh"')


@pytest.mark.nodb
def test_files_and_downloads_are_not_touched(tmp_path):
    from flask import Flask, send_file

    app = Flask(__name__)
    body = "<p>张三</p>".encode()
    (tmp_path / "page.html").write_bytes(body)
    with app.test_request_context():
        for response in (app.response_class(body, mimetype="text/csv"),
                         app.response_class(body, mimetype="application/pdf"),
                         send_file(tmp_path / "page.html", mimetype="text/html"),
                         app.response_class(iter([body]), mimetype="text/html")):
            assert mark_html_response(response) is response
            response.direct_passthrough = False
            assert response.get_data() == body
        page_response = app.response_class(body, mimetype="text/html")
        assert mark_html_response(page_response).get_data(as_text=True) == '<p><span lang="zh-CN">张三</span></p>'


# --- PDFs ---------------------------------------------------------------------------------------

@pytest.mark.pdf
def test_an_english_pdf_marks_its_chinese_and_still_embeds_the_cjk_font(app, monkeypatch):
    """WeasyPrint gets the marked HTML (it chooses glyphs by lang); the HTTP hook never sees PDFs."""
    import weasyprint

    from loans.pdf import html_to_pdf, letter_font_for

    seen = []
    real_html = weasyprint.HTML

    def spy(*args, string, **kwargs):
        seen.append(string)
        return real_html(*args, string=string, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    font = letter_font_for("张三米粉店")
    html = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><style>@font-face { font-family: "LetterCJK"; '
            f'src: url("{font.path.resolve().as_uri()}"); }} html {{ font-family: "LetterCJK"; }}</style></head>'
            "<body><p>Applicant: 张三, business 张三米粉店 (courtesy translation · 参考译文)</p></body></html>")
    pdf = html_to_pdf(html, font, b"lang-parts")
    assert seen == [mark_chinese_parts(html)] and '<span lang="zh-CN">张三米粉店</span>' in seen[0]
    assert "张三米粉店" in pdf_text(pdf) and "参考译文" in pdf_text(pdf)
    assert embedded_fonts_ok(pdf)
