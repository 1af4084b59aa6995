"""The search tokens of one row: pure functions, no database.

A search term matches a row when the term, normalised, is the beginning of one of the
row's tokens. The tokens of a value are its suffixes (so "contains" becomes "begins
with", which a plain B-tree index answers on SQLite and PostgreSQL alike); a person's
Chinese name also gives its pinyin and initials from each syllable on (王伟 → "wangwei",
"wei", "ww", "w"), so 王伟, wangwei, wang wei, WangWei and ww all find 王伟."""
from __future__ import annotations

import os
import unicodedata
from functools import cache, lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterable

# pypinyin's phrase dictionary costs ~45 MB in every process that reads a name; names are
# read with its single characters instead, and the few thousand words it reads otherwise
# than character by character come from PHRASE_READINGS (tools/phrase_readings.py). Set
# before pypinyin is first imported (its documented switches; an explicit setting wins).
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
PHRASE_READINGS = Path(__file__).with_name("phrase_readings.txt")
# A name with several such words gives at most this many spellings, from its first
# MAX_WORDS words (choices of words grow as 2ⁿ); no word of the table is longer than MAX_WORD.
MAX_SPELLINGS = 8
MAX_WORDS = 10
MAX_WORD = 10


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


@cache
def phrase_readings() -> dict[str, tuple[str, ...]]:
    """{word: its syllables} for the words pypinyin reads otherwise than character by
    character (长江 → chang jiang; 长 alone is zhang)."""
    readings = {}
    for line in PHRASE_READINGS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, syllables = line.split("\t")
            readings[word] = tuple(syllables.split())
    return readings


def _han_runs(name: str, is_han) -> list[tuple[bool, str]]:
    """``name`` cut into runs of the characters pypinyin reads (``is_han``) and of anything
    else: [(read, run)]."""
    runs: list[tuple[bool, str]] = []
    for char in name:
        han = is_han(char)
        if runs and runs[-1][0] == han:
            runs[-1] = (han, runs[-1][1] + char)
        else:
            runs.append((han, char))
    return runs


def _word_readings(run: str, syllables: list[str]) -> list[list[str]]:
    """The readings of a run of Han characters: each character's own (``syllables``) and,
    for every choice of non-overlapping words of ``phrase_readings`` in it, those words'
    readings instead — whichever words pypinyin's phrase dictionary would have cut the run
    into, its reading is among them (at most ``MAX_SPELLINGS``)."""
    words = phrase_readings()
    found = [(start, start + size, words[run[start:start + size]])
             for start in range(len(run)) for size in range(2, min(MAX_WORD, len(run) - start) + 1)
             if run[start:start + size] in words][:MAX_WORDS]  # a long made-up name: its first words
    spellings = [syllables]
    for count in range(1, len(found) + 1):
        for chosen in combinations(found, count):
            if any(a[1] > b[0] for a, b in zip(chosen, chosen[1:])):
                continue  # overlapping words
            spelling = list(syllables)
            for start, end, reading in chosen:
                spelling[start:end] = reading
            if spelling not in spellings:
                spellings.append(spelling)
            if len(spellings) >= MAX_SPELLINGS:
                return spellings
    return spellings


def name_spellings(name: str) -> list[list[str]]:
    """The pinyin spellings of a person's name, normalised syllables: character by character
    first, then with the words of ``phrase_readings`` it holds read as words (李长江: lizhangjiang
    and lichangjiang); runs of other characters (Latin letters, ·) stay as they are."""
    from pypinyin import lazy_pinyin  # its single-character dictionary, ~12 MB (PYPINYIN_NO_PHRASES)
    from pypinyin.constants import RE_HANS  # what it reads (〇 too, and the GB18030 rare characters)

    spellings: list[list[str]] = [[]]
    for han, run in _han_runs(name, lambda char: RE_HANS.match(char) is not None):
        if not han:
            part = normalize(run)
            readings = [[part] if part else []]
        else:
            syllables = [normalize(s) for s in lazy_pinyin(run, v_to_u=False)]
            readings = _word_readings(run, syllables) if len(syllables) == len(run) else [syllables]
        spellings = [head + tail for head in spellings for tail in readings][:MAX_SPELLINGS]
    return [[s for s in spelling if s] for spelling in spellings]


@lru_cache(maxsize=65536)
def pinyin_tokens(name: str) -> frozenset[str]:
    """Pinyin and initials tokens of a person's name (nothing if it has no Han character), of
    each of its spellings (``name_spellings``), and those of its surname's reading as a
    surname where that differs (``SURNAME_READINGS``)."""
    if not any(_is_han(c) for c in name):
        return frozenset()
    found: set[str] = set()
    surname = SURNAME_READINGS.get(name[:1]) if _is_han(name[:1]) else None
    for syllables in name_spellings(name):
        if not syllables:
            continue
        found |= _spellings(syllables)
        if surname and surname != syllables[0]:
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
