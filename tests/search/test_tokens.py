"""The pure token rules of name search (loans/search/tokens.py), table-driven: a term finds a
row when the normalised term begins one of the row's tokens."""
from __future__ import annotations

import pytest

from loans.search.tokens import MAX_TOKEN, normalize, prefix_range, tokens_for


def finds(term: str, names=(), others=()) -> bool:
    needle = normalize(term)
    low, high = prefix_range(needle)
    return any(low <= t and (high is None or t < high) for t in tokens_for(names, others))


@pytest.mark.parametrize("term, names, others, found", [
    ("王伟", ["王伟"], [], True),
    ("伟", ["王伟"], [], True),                       # given name without the surname
    ("wangwei", ["王伟"], [], True),
    ("WangWei", ["王伟"], [], True),                  # case ignored
    ("wang wei", ["王伟"], [], True),                 # spaces ignored
    ("ＷＡＮＧ", ["王伟"], [], True),                  # full-width letters folded
    ("wang", ["王伟"], [], True),                     # pinyin prefix
    ("wei", ["王伟"], [], True),                      # pinyin from a later syllable
    ("ww", ["王伟"], [], True),                       # initials
    ("w", ["王伟"], [], True),
    ("ngwei", ["王伟"], [], False),                   # pinyin from inside a syllable: no
    ("wangfang", ["王伟"], [], False),
    ("wf", ["王伟"], [], False),
    ("zxy", ["张秀英"], [], True),
    ("xiuying", ["张秀英"], [], True),
    ("lvfang", ["吕芳"], [], True),                   # ü typed v …
    ("lufang", ["吕芳"], [], True),                   # … or u
    ("shanxiongxin", ["单雄信"], [], True),           # a surname's own reading
    ("danxiongxin", ["单雄信"], [], True),            # and the character's usual one
    ("zengguofan", ["曾国藩"], [], True),
    ("smith", ["John Smith"], [], True),              # Latin names: substrings
    ("HNSM", ["John Smith"], [], True),
    ("小吃", [], ["王伟小吃店"], True),                # business names: substrings
    ("xiaochi", [], ["王伟小吃店"], False),           # no pinyin of business names
    ("000123", [], ["A2026-000123"], True),           # part of a reference
    ("a2026-0", [], ["A2026-000123"], True),
    ("2026000123", [], ["A2026-000123"], False),      # punctuation is not ignored
    ("1117", [], ["431002********1117"], True),
    ("%", [], ["百分之100%好店"], True),
    ("_", [], ["百分之100%好店"], False),
    ("0%好", [], ["百分之100%好店"], True),
    ("五_修", [], ["王五_修车"], True),
    ("五%修", [], ["王五_修车"], False),
    ("\\", [], ["赵六\\书店"], True),
    ("王伟", [None], [None, ""], False),
])
def test_a_term_finds_exactly_the_rows_it_should(term, names, others, found):
    assert finds(term, names, others) is found


@pytest.mark.parametrize("text, normal", [
    ("  Wang Wei ", "wangwei"), ("王　伟", "王伟"), ("ＡＢＣ１２３", "abc123"), ("", ""), (None, ""),
    ("\tA-1\n", "a-1"),
])
def test_normalize_ignores_case_width_and_spaces(text, normal):
    assert normalize(text) == normal


def test_tokens_are_suffixes_pinyin_and_initials_without_repeats():
    assert tokens_for(["王伟"], ["A1"]) == {"王伟", "伟", "wangwei", "wei", "ww", "w", "a1", "1"}
    assert tokens_for([], []) == set() == tokens_for([""], [None])


def test_long_values_give_tokens_of_at_most_max_token_characters():
    tokens = tokens_for([], ["x" * 100 + "y"])
    assert max(map(len, tokens)) == MAX_TOKEN
    assert "x" * (MAX_TOKEN - 1) + "y" in tokens


@pytest.mark.parametrize("term, low, high", [
    ("ab", "ab", "ac"), ("王伟", "王伟", "王传"), ("a\ud7ff", "a\ud7ff", "a\ue000"),
    ("a\U0010ffff", "a\U0010ffff", "b"), ("\U0010ffff", "\U0010ffff", None),
])
def test_prefix_range_is_the_next_code_point(term, low, high):
    assert prefix_range(term) == (low, high)


@pytest.mark.parametrize("term, name, found", [
    ("lichangjiang", "李长江", True),                 # a word read as a word (长江: chang jiang) …
    ("lizhangjiang", "李长江", True),                 # … and character by character (长: zhang)
    ("changjiang", "李长江", True),
    ("zhangchongyang", "张重阳", True),
    ("zhangzhongyang", "张重阳", True),
    ("lcj", "李长江", True),
    ("lzj", "李长江", True),
    ("yuwei", "王伟", False),                        # a character's rare reading is not a spelling
    ("ouyangzhaoyang", "欧阳朝阳", True),
    ("ouyangchaoyang", "欧阳朝阳", True),
])
def test_a_name_holding_a_word_is_found_by_either_reading(term, name, found):
    assert finds(term, [name]) is found


def test_the_phrase_dictionarys_reading_of_a_name_is_always_one_of_its_spellings():
    """Names are read without pypinyin's phrase dictionary (~45 MB); whatever that dictionary
    reads a name as must still be a spelling of it. Checked against pypinyin with the whole
    dictionary, in a process of its own, over common names and every word of the table as
    a given name."""
    import json
    import os
    import subprocess
    import sys

    from bench.dataset import GIVEN, SURNAMES
    from loans.search.tokens import name_spellings, phrase_readings

    names = sorted({s + g for s in SURNAMES for g in GIVEN}
                   | {SURNAMES[i % len(SURNAMES)] + word for i, word in enumerate(phrase_readings()) if len(word) <= 3}
                   | {"欧阳朝阳", "单于长乐", "曾重阳", "阿卜杜拉·买买提", "王A伟"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN_")}
    script = ("import json, sys; from pypinyin import lazy_pinyin, constants; assert constants.PHRASES_DICT; "
              "print(json.dumps([lazy_pinyin(n, v_to_u=False) for n in json.load(sys.stdin)]))")
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(names), env=env, capture_output=True,
                          text=True, check=True)
    missed = [(name, whole) for name, whole in zip(names, json.loads(done.stdout))
              if [s for s in map(normalize, whole) if s] not in name_spellings(normalize(name))]
    assert len(names) > 2000 and not missed, missed[:10]


def test_reading_a_name_leaves_the_phrase_dictionary_unloaded():
    import subprocess
    import sys

    script = ("from loans.search.tokens import pinyin_tokens; assert 'lichangjiang' in pinyin_tokens('李长江'); "
              "from pypinyin import constants; print(len(constants.PHRASES_DICT))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0"


def test_the_word_table_is_the_one_for_the_installed_pypinyin():
    """tools/phrase_readings.py wrote it; after upgrading pypinyin, run it again."""
    from importlib.metadata import version

    from loans.search.tokens import PHRASE_READINGS

    first = PHRASE_READINGS.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"# pypinyin {version('pypinyin')}:")


@pytest.mark.parametrize("term, name", [
    ("wangling", "王〇"),                             # 〇 is read as pypinyin reads it
    ("wangzuo", "王" + b"\xfe\x51".decode("gb18030")),  # a GB18030 rare character (U+E816) too
])
def test_every_character_pypinyin_reads_is_spelled(term, name):
    assert finds(term, [name])


def test_a_long_name_of_many_words_gives_few_spellings():
    """Choices of words grow as 2ⁿ: a 98-character name made of words gives at most
    MAX_SPELLINGS spellings (its tokens are written in the request that saves it)."""
    from loans.search.tokens import MAX_SPELLINGS, name_spellings

    name = "·".join(["王李赵钱孙名不见经传"] * 9)
    spellings = name_spellings(name)
    assert 1 < len(spellings) <= MAX_SPELLINGS and all(len(s) == len(name) for s in spellings)
    assert finds("wanglizhaoqiansunmingbujianjingzhuan", [name])
