"""Language of parts (WCAG 3.1.2): Chinese text on an English page is marked ``lang="zh-CN"``.

English pages carry Chinese from everywhere: names of people, businesses, banks and
districts from the database, policy citations, glosses inside English sentences
(展期, 台账), the courtesy translation's banner. An English screen-reader voice cannot
speak them, so every run of Chinese characters must sit in an element whose language is
Chinese. Marking each template and value by hand would miss the next one, so one step
after the page is rendered does it: it reads the HTML with ``html.parser`` and wraps each
run of Chinese in a text node whose language is not already Chinese in
``<span lang="zh-CN">`` (``<tspan>`` inside SVG). Everything else stays byte for byte:
attributes, comments, ``<script>``, ``<style>``, ``<textarea>`` (its text is the field's
value) and ``<title>`` (no element may go inside it, and it takes the page's language).
An ``<option>``, or an SVG ``<title>``/``<desc>``, can hold only text: the element itself
gets ``lang="zh-CN"`` when its text has any Chinese — a Chinese voice reads the Latin part
of a mixed label passably, an English voice cannot read the Chinese part at all.

Pages whose ``<html lang>`` is Chinese are returned as they are. PDFs are not HTTP
responses: ``pdf.html_to_pdf`` calls ``mark_chinese_parts`` itself.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import accumulate

ZH = "zh-CN"

# CJK radicals, punctuation, strokes, enclosed and compatibility forms, the unified ideographs
# with extension A (3400–4DBF) and B onwards (rare characters of names), compatibility
# ideographs, vertical and full-width forms (，：（） and full-width digits).
CJK = ("\u2e80-\u2fdf\u3000-\u303f\u3100-\u312f\u31a0-\u31ef\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
       "\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f")
HAS_CJK = re.compile(f"[{CJK}]")
# One run: Chinese characters, with the digits written against them (2026年12月2日, 申请人1)
# and the spaces, digits and light punctuation between two of them (湘财社〔2019〕12号,
# 买买提·艾力, “双创”); never Latin letters, so "Extension (展期) and 台账" is two runs.
RUN = re.compile(f"[“‘]?[0-9]*[{CJK}]+(?:[0-9\\s·.:/%\\-]+[{CJK}]+)*[0-9]*[”’]?")

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr"})
UNTOUCHED = frozenset({"script", "style", "textarea", "title"})
SVG_TEXT_ONLY = frozenset({"title", "desc"})
ROOT_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z-]*)", re.IGNORECASE)


def is_chinese(lang: str | None) -> bool:
    return (lang or "").lower().startswith("zh")


class _Context:
    """What text inside an element is: in a Chinese-language element, in SVG, left alone
    (script, style, textarea, the page title), or the text of a text-only element (``owner``)."""

    __slots__ = ("chinese", "owner", "svg", "untouched")

    def __init__(self, chinese, svg, untouched, owner=None):
        self.chinese, self.svg, self.untouched, self.owner = chinese, svg, untouched, owner


class _TextOnly:
    """An open <option>, SVG <title> or <desc>: where its lang would go, and whether its text has Chinese."""

    __slots__ = ("has_chinese", "name_end")

    def __init__(self, name_end):
        self.name_end, self.has_chinese = name_end, False


class _Marker(HTMLParser):
    """Records where to insert; ``mark_chinese_parts`` splices the insertions into the source.

    The stack holds (tag, context) for every open element; most elements share their
    parent's context, so a tag costs a tuple."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)  # data arrives exactly as written, so offsets hold
        self.line_lengths = list(accumulate(map(len, html.split("\n")), initial=0))
        self.stack = [("", _Context(False, False, False))]
        self.insertions: list[tuple[int, str]] = []

    def read(self, html: str) -> list[tuple[int, str]]:
        """(offset, text to insert there) for ``html``, in document order."""
        self.feed(html)
        self.close()
        self._close_through(1)  # elements left open at the end of the page
        return sorted(self.insertions, key=lambda insertion: insertion[0])

    def position(self) -> int:
        """Where the current token starts in the source."""
        line, column = self.getpos()
        return self.line_lengths[line - 1] + line - 1 + column  # each line before it, and its newline

    def handle_starttag(self, tag, attrs):
        self._open(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag, attrs):
        self._open(tag, attrs, self_closing=True)

    def _open(self, tag, attrs, self_closing):
        parent_tag, parent = self.stack[-1]
        if self_closing or (tag in VOID and not parent.svg):
            return
        if tag == "option" and parent_tag == "option":  # an <option> closes the one before
            self._close_through(len(self.stack) - 1)
            parent = self.stack[-1][1]
        lang = None
        for name, value in attrs:
            if name == "lang" or name == "xml:lang":
                lang = value or ""
        text_only = tag == "option" or (parent.svg and tag in SVG_TEXT_ONLY)
        if lang is None and not text_only and tag != "svg" and tag not in UNTOUCHED:
            self.stack.append((tag, parent))
            return
        chinese = parent.chinese if lang is None else is_chinese(lang)
        owner = None
        if text_only and not parent.untouched and not chinese:
            owner = _TextOnly(self.position() + 1 + len(tag) if lang is None else None)
        self.stack.append((tag, _Context(chinese, parent.svg or tag == "svg",
                                         parent.untouched or (tag in UNTOUCHED and not text_only),
                                         owner or parent.owner)))

    def handle_endtag(self, tag):
        stack = self.stack
        if tag in ("select", "optgroup", "datalist") and stack[-1][0] == "option":
            self._close_through(len(stack) - 1)
        for depth in range(len(stack) - 1, 0, -1):  # an end tag closes what it opened and
            if stack[depth][0] == tag:              # whatever was left open inside it
                self._close_through(depth)
                return

    def _close_through(self, depth):
        while len(self.stack) > depth:
            _, context = self.stack.pop()
            owner = context.owner
            closes_owner = owner is not None and owner is not self.stack[-1][1].owner  # the text-only element
            if closes_owner and owner.has_chinese and owner.name_end is not None:
                self.insertions.append((owner.name_end, f' lang="{ZH}"'))

    def handle_data(self, data):
        if not HAS_CJK.search(data):
            return
        context = self.stack[-1][1]
        if context.untouched or context.chinese:
            return
        if context.owner is not None:
            context.owner.has_chinese = True
            return
        start = self.position()
        opening = f'<tspan lang="{ZH}">' if context.svg else f'<span lang="{ZH}">'
        closing = "</tspan>" if context.svg else "</span>"
        for run in RUN.finditer(data):
            self.insertions.append((start + run.start(), opening))
            self.insertions.append((start + run.end(), closing))


# A tokenizer for the pages this app renders, far cheaper than ``html.parser`` (which
# tracks line and column per token): comments and declarations are skipped, end and start
# tags found with their offsets, and what lies between them is text. It feeds ``_Marker``'s
# own handlers, so the rules above are written once; ``html.parser`` stays the reference
# (tests/test_lang_parts.py compares the two on every kind of markup).
_TOKEN = re.compile(r"<(?:!--.*?--\s*>|[!?][^>]*>|/([a-zA-Z][^\t\n\r\f />\x00]*)[^>]*>"
                    r"|([a-zA-Z][^\t\n\r\f />\x00]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>)", re.S)
_LANG_ATTR = re.compile(r"""(?:^|[\s/])((?:xml:)?lang)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""",
                        re.IGNORECASE)
_RAW_END = {name: re.compile(f"</\\s*{name}\\s*>", re.IGNORECASE) for name in ("script", "style")}
# What the two readers could take differently: a reference without its ";" right before
# Chinese (html.parser drops its digits from the text), a "<" that opens no tag, a marked
# section, an unclosed comment.
_AMBIGUOUS = re.compile(f"&[^\\s;<>&]*[0-9][{CJK}]|<(?![a-zA-Z!?/])|</(?![a-zA-Z])|<!\\[|<!--(?!.*?--\\s*>)",
                        re.S)


_SPECIAL = UNTOUCHED | {"option", "svg"}  # tags whose opening _Marker._open must see


class _FastMarker(_Marker):
    """``_Marker`` driven by ``_TOKEN`` instead of ``HTMLParser.feed``."""

    def __init__(self):  # noqa: D107 — no line table: positions are offsets
        self.stack = [("", _Context(False, False, False))]
        self.insertions = []
        self.at = 0

    def position(self) -> int:
        return self.at

    def read(self, html: str) -> list[tuple[int, str]]:
        pos, end, search, has_cjk, stack = 0, len(html), _TOKEN.search, HAS_CJK.search, self.stack
        while pos < end:
            token = search(html, pos)
            start = token.start() if token else end
            if start > pos and has_cjk(html, pos, start):
                self.at = pos
                self.handle_data(html[pos:start])
            if token is None:
                break
            pos = token.end()
            closing, name = token.group(1, 2)
            self.at = start
            if closing:
                closing = closing.lower()
                if stack[-1][0] == closing and len(stack) > 1 and stack[-1][1].owner is None:
                    stack.pop()  # the usual case: it closes the element just opened, no text-only owner
                else:
                    self.handle_endtag(closing)
            elif name:
                name, attrs_text = name.lower(), token.group(3)
                if "lang" in attrs_text or "LANG" in attrs_text.upper():
                    attrs = [(m.group(1).lower(), m.group(2) if m.group(2) is not None else m.group(3)
                              if m.group(3) is not None else m.group(4)) for m in _LANG_ATTR.finditer(attrs_text)]
                else:
                    attrs = ()
                if attrs_text.endswith("/"):
                    continue  # handle_startendtag: a self-closing tag opens nothing
                if not attrs and name not in _SPECIAL and not stack[-1][1].svg:
                    if name not in VOID:
                        stack.append((name, stack[-1][1]))  # shares its parent's context
                    continue
                self.handle_starttag(name, attrs)
                raw_end = _RAW_END.get(name)
                if raw_end is not None:  # script and style: their text is never marked
                    found = raw_end.search(html, pos)
                    pos = found.start() if found else end
        self._close_through(1)
        return sorted(self.insertions, key=lambda insertion: insertion[0])


def _insertions(html: str) -> list[tuple[int, str]]:
    """Where to insert what: the fast tokenizer for the markup this app writes, ``html.parser``
    for anything unusual (a character reference without its ";", a "<" that opens no tag)."""
    if _AMBIGUOUS.search(html):
        return _Marker(html).read(html)
    return _FastMarker().read(html)


def mark_chinese_parts(html: str) -> str:
    """``html`` with every run of Chinese outside a Chinese-language element marked
    ``lang="zh-CN"``; the same string when there is nothing to mark or the page is Chinese."""
    if not HAS_CJK.search(html):
        return html
    root = ROOT_LANG.search(html, 0, 4096)
    if root and is_chinese(root.group(1)):
        return html
    insertions = _insertions(html)
    if not insertions:
        return html
    pieces, last = [], 0
    for position, text in insertions:
        pieces.append(html[last:position])
        pieces.append(text)
        last = position
    pieces.append(html[last:])
    return "".join(pieces)


def mark_html_response(response):
    """After each request: an HTML page in a language other than Chinese gets its Chinese
    parts marked. Files, downloads and streamed responses are left alone."""
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return response
    html = response.get_data(as_text=True)
    marked = mark_chinese_parts(html)
    if marked is not html:
        response.set_data(marked)
    return response


def init_app(app) -> None:
    app.after_request(mark_html_response)
