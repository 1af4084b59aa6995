"""The search tokens of one row: pure functions, no database.

A search term matches a row when the term, normalised, is the beginning of one of the
row's tokens. The tokens of a value are its suffixes (so "contains" becomes "begins
with", which a plain B-tree index answers on SQLite and PostgreSQL alike); a person's
Chinese name also gives its pinyin and initials from each syllable on (王伟 → "wangwei",
"wei", "ww", "w"), so 王伟, wangwei, wang wei, WangWei and ww all find 王伟."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Iterable


# A token holds at most this many characters; a longer term is matched on its first
# MAX_TOKEN characters in the index and then checked on the row itself.
MAX_TOKEN = 40
# Surnames read otherwise than their character's usual reading: a name starting with one is
# spelled both ways (单 is "dan" in a word, "shan" as a surname; people type either).
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "区": "ou", "仇": "qiu", "解": "xie", "朴": "piao", "查": "zha", "盖": "ge",
    "翟": "zhai", "尉": "yu", "乐": "yue", "缪": "miao", "覃": "qin", "种": "chong", "秘": "bi", "繁": "po",
    "召": "shao", "谌": "chen", "员": "yun", "黑": "he", "卜": "bu", "隗": "wei", "长": "chang", "万": "wan",
}


def normalize(text: str | None) -> str:
    """``text`` as searched: full-width forms folded (NFKC), lower case, without any
    white space — so "Wang Wei", "wangwei" and "ＷＡＮＧＷＥＩ" are the same term."""
    if not text:
        return ""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def suffixes(text: str) -> set[str]:
    """Every suffix of normalised ``text``, cut to ``MAX_TOKEN`` characters."""
    return {text[start:start + MAX_TOKEN] for start in range(len(text))}


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\U00020000" <= char <= "\U0003134f" or "\uf900" <= char <= "\ufaff"


def _spellings(syllables: list[str]) -> set[str]:
    """Tokens of one spelling: the pinyin and the initials from each syllable on, with ü
    written v (pypinyin's, as typed on most keyboards) and u."""
    found = set()
    initials = "".join(s[0] for s in syllables)
    for start in range(len(syllables)):
        full = "".join(syllables[start:])
        found.update((full[:MAX_TOKEN], initials[start:start + MAX_TOKEN]))
        if "v" in full:
            found.add(full.replace("v", "u")[:MAX_TOKEN])
    return found


@lru_cache(maxsize=65536)
def pinyin_tokens(name: str) -> frozenset[str]:
    """Pinyin and initials tokens of a person's name (nothing if it has no Han character),
    and those of its surname's reading as a surname where that differs (``SURNAME_READINGS``)."""
    if not any(_is_han(c) for c in name):
        return frozenset()
    from pypinyin import lazy_pinyin  # ~55 MB of dictionaries: only in processes that write names

    syllables = [s for s in (normalize(part) for part in lazy_pinyin(name, v_to_u=False)) if s]
    if not syllables:
        return frozenset()
    found = _spellings(syllables)
    surname = SURNAME_READINGS.get(name[:1])
    if surname and _is_han(name[:1]) and surname != syllables[0]:
        found |= _spellings([surname, *syllables[1:]])
    return frozenset(found)


def tokens_for(names: Iterable[str | None] = (), others: Iterable[str | None] = ()) -> set[str]:
    """The tokens of a row: people's ``names`` (suffixes, pinyin, initials) and its
    ``others`` (business name, reference, contract number…: suffixes only)."""
    found: set[str] = set()
    for name in names:
        text = normalize(name)
        if text:
            found |= suffixes(text)
            found |= pinyin_tokens(text)
    for other in others:
        found |= suffixes(normalize(other))
    return found


def prefix_range(term: str) -> tuple[str, str | None]:
    """(low, high): the tokens that begin with normalised ``term`` are those with
    low ≤ token < high (code point order; high None: no upper bound)."""
    low = term[:MAX_TOKEN]
    head = low
    while head:
        code = ord(head[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000
        if code <= 0x10FFFF:
            return low, head[:-1] + chr(code)
        head = head[:-1]
    return low, None
