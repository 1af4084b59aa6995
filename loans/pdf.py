"""PDF documents (letters, subsidy statements): the embedded CJK font, the restricted
WeasyPrint URL fetcher and the HTML → PDF step.

The renderer fetches nothing but the app's own static files and the CJK font file (the
fetcher raises for anything else). Documents embed a small GB2312 subset of the system's
CJK font, or the full font when a text has a rarer character, so nothing prints blank.
"""
from __future__ import annotations

import glob
import mimetypes
import subprocess
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

from .garbage import collector_paused

# The issuing bureau, as printed on letters and statements.
BUREAU = {"zh": "郴州市人力资源和社会保障局", "en": "Chenzhou Human Resources and Social Security Bureau"}

# Tried in order; the first one fontconfig actually has wins (fc-match falls back to any
# font, so the family it returns is checked).
FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei")
FONT_GLOBS = ("/usr/share/fonts/**/NotoSerifCJK-Regular.ttc", "/usr/share/fonts/**/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/**/wqy-microhei.ttc")


class PdfRenderError(RuntimeError):
    """No PDF can be rendered on this machine (e.g. no CJK font installed)."""


@dataclass(frozen=True)
class CJKFont:
    family: str
    path: Path


def _fc_match(pattern: str) -> tuple[str, Path] | None:
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}|%{file}", pattern], capture_output=True, text=True,
                             timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    family, _, file = out.partition("|")
    return (family, Path(file)) if file else None


@lru_cache(maxsize=1)
def cjk_font() -> CJKFont:
    """The CJK font file to embed, found through fontconfig at run time (WenQuanYi last).

    Only the regular face is loaded through @font-face: each @font-face file is copied
    for every render, and a second 26 MB face doubles the render time."""
    for family in FONT_FAMILIES:
        found = _fc_match(f"{family}:style=Regular")
        if found and family.split()[0] in found[0] and found[1].is_file():
            return CJKFont(family, found[1])
    for family, pattern in zip(FONT_FAMILIES, FONT_GLOBS):
        paths = sorted(glob.glob(pattern, recursive=True))
        if paths:
            return CJKFont(family, Path(paths[0]))
    raise PdfRenderError("no CJK font found: install fonts-noto-cjk (or fonts-wqy-microhei)")


@lru_cache(maxsize=4)
def _font_characters(path: Path, family: str) -> frozenset[int]:
    """Code points the font (the face named ``family`` in a collection) has glyphs for."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() == ".ttc":
        faces = TTCollection(str(path), lazy=True).fonts
        face = next((f for f in faces if f["name"].getDebugName(1) == family), faces[0])
    else:
        face = TTFont(str(path), lazy=True)
    return frozenset(face.getBestCmap())


# --- a small letter font ------------------------------------------------------------
# WeasyPrint reads the whole @font-face file for every document; a 26 MB CJK collection
# costs ~50 ms a letter. A one-face subset with Latin, punctuation and the 6,763 GB2312
# hanzi (~4 MB) covers almost every name and address; a letter with a rarer character
# uses the full font instead, so nothing ever prints blank.
SUBSET_VERSION = "gb2312-v2"


def _subset_codepoints() -> set[int]:
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180)) | set(range(0x2000, 0x2070))
    points |= set(range(0x2100, 0x2300))  # letterlike symbols, arrows, maths (− ≤ ×)
    points |= set(range(0x2460, 0x2500)) | set(range(0x25A0, 0x2600))  # ① … ⑳, shapes
    points |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))  # CJK punctuation, full-width forms
    for cp in range(0x4E00, 0xA000):
        try:
            chr(cp).encode("gb2312")
        except UnicodeEncodeError:
            continue
        points.add(cp)
    return points


def _face_index(path: Path, family: str) -> int:
    from fontTools.ttLib import TTCollection

    if path.suffix.lower() != ".ttc":
        return 0
    faces = TTCollection(str(path), lazy=True).fonts
    return next((i for i, f in enumerate(faces) if f["name"].getDebugName(1) == family), 0)


def build_letter_font(folder: Path) -> CJKFont:
    """Write (once) the subset of the CJK font used by most letters; safe to call concurrently."""
    import fcntl

    from fontTools import subset

    full = cjk_font()
    target = folder / f"{full.path.stem}-{full.family.replace(' ', '')}-{SUBSET_VERSION}.otf"
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not target.is_file():
                options = subset.Options()
                options.font_number = _face_index(full.path, full.family)
                options.layout_features = ["*"]
                options.name_IDs = ["*"]
                options.notdef_outline = True
                options.hinting = False
                font = subset.load_font(str(full.path), options)
                subsetter = subset.Subsetter(options)
                subsetter.populate(unicodes=_subset_codepoints())
                subsetter.subset(font)
                partial = target.with_suffix(".tmp")
                subset.save_font(font, str(partial), options)
                partial.replace(target)
    return CJKFont(full.family, target)


def letter_font_for(text: str) -> CJKFont:
    """The subset when it has every character of the letter, else the full font."""
    small = build_letter_font(Path(current_app.instance_path) / "fonts")
    return cjk_font() if missing_glyphs(text, small) else small


def missing_glyphs(text: str, font: CJKFont | None = None) -> list[str]:
    """Characters of ``text`` the embedded font cannot show (they would print as blanks)."""
    font = font or cjk_font()
    have = _font_characters(font.path, font.family)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in have})


def url_fetcher_for(static_folder: str | Path, font: CJKFont):
    """A WeasyPrint URL fetcher serving only files under ``static_folder`` and the font file."""
    static_root = Path(static_folder).resolve()
    fonts = {font.path.resolve()}

    def fetch(url: str, timeout: int = 10, ssl_context=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"PDF renderer refuses to fetch {url[:80]!r}")
        path = Path(unquote(parts.path)).resolve()
        if path not in fonts and not path.is_relative_to(static_root):
            raise ValueError(f"PDF renderer refuses to fetch {url[:80]!r}")
        if not path.is_file():
            raise ValueError(f"no such file {url[:80]!r}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return {"file_obj": path.open("rb"), "mime_type": mime_type, "redirected_url": url, "filename": path.name}

    return fetch


def long_date(d: date, lang: str) -> str:
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {d.strftime('%B')} {d.year}"


def html_to_pdf(html: str, font: CJKFont, identifier: bytes) -> bytes:
    """WeasyPrint with the restricted fetcher (the app's static files and ``font`` only).
    Chinese runs in an English document are marked ``lang="zh-CN"`` first (``lang_parts``)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from .lang_parts import mark_chinese_parts

    static = Path(current_app.static_folder)
    with collector_paused():  # WeasyPrint's layout objects: no collector passes over them (loans.garbage)
        document = HTML(string=mark_chinese_parts(html), base_url=static.resolve().as_uri() + "/",
                        url_fetcher=url_fetcher_for(static, font))
        return document.write_pdf(font_config=FontConfiguration(), pdf_identifier=identifier)
