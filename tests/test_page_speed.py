"""Issue 17, pages at province scale: what makes the queue, list and case pages cheap must
not change what they show. The fast reader of ``lang_parts`` marks exactly what
``html.parser`` marks."""
from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from loans.lang_parts import _AMBIGUOUS, _FastMarker, _Marker, _insertions
from tests.test_lang_parts import LEAVES, _element, page

MORE_LEAVES = st.one_of(
    LEAVES,
    st.sampled_from(["<img alt=\"张三\" src=\"/x.png\"/>", "<br/>", "<p LANG=\"zh-CN\">北湖</p>", "<b lang>张</b>",
                     "<a href='/?a=1&amp;b=张'>张三 (2)</a>", "<style>p::after { content: '张' }</style>",
                     "<option lang=\"en\">张三</option>", "<!doctype html>", "<td data-x=\"a>b\">王伟</td>",
                     "<svg><desc>北湖</desc><g><text>区</text></g></svg>", "2026年12月2日", "湘财社〔2019〕12号",
                     "</p>", "<div>", "<option>李", "</select>"]),
)


@pytest.mark.nodb
@given(st.lists(st.recursive(MORE_LEAVES, _element, max_leaves=14), max_size=6).map("".join))
def test_the_fast_reader_marks_what_html_parser_marks(body):
    html = page(body)
    assume(not _AMBIGUOUS.search(html))
    assert _FastMarker().read(html) == _Marker(html).read(html)


@pytest.mark.nodb
@pytest.mark.parametrize("odd", ["a < b 张三", "&#20013王", "&a1张", "<![CDATA[张]]>", "<!-- 张 ", "</ 张>"])
def test_markup_the_fast_reader_could_take_differently_goes_to_html_parser(odd):
    html = page(f"<p>{odd}</p>")
    assert _AMBIGUOUS.search(html)
    assert _insertions(html) == _Marker(html).read(html)


def test_translations_kept_for_the_request_follow_force_locale(app):
    from flask_babel import force_locale, gettext, lazy_gettext

    later = lazy_gettext("Case queue")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Case queue") == "Case queue"
        with force_locale("zh"):
            assert gettext("Case queue") == str(later) != "Case queue"
            assert app.jinja_env.from_string("{{ _('Case queue') }}").render() == str(later)
        assert gettext("Case queue") == str(later) == "Case queue"
        assert app.jinja_env.from_string("{{ _('Case queue') }}").render() == "Case queue"
