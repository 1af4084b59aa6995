#!/usr/bin/env python3
"""Write loans/search/phrase_readings.txt: the words of pypinyin's phrase dictionary that it
reads otherwise than character by character (长江 is "chang jiang", while 长 alone is "zhang").

Name search (loans/search/tokens.py) reads names with pypinyin's single-character
dictionary only (``PYPINYIN_NO_PHRASES``), which keeps ~45 MB of phrase dictionary out of
every process that writes a name; these few thousand words, substituted where a name holds
one, give the readings the phrase dictionary would. Run again after upgrading pypinyin:

    .venv/bin/python tools/phrase_readings.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "loans" / "search" / "phrase_readings.txt"


def main() -> int:
    if os.environ.get("PYPINYIN_NO_PHRASES"):
        print("unset PYPINYIN_NO_PHRASES: this reads pypinyin's phrase dictionary", file=sys.stderr)
        return 1
    import pypinyin
    from pypinyin import lazy_pinyin
    from pypinyin.constants import PHRASES_DICT

    lines = []
    for phrase in sorted(PHRASES_DICT):
        whole = lazy_pinyin(phrase, v_to_u=False)
        alone = [reading for char in phrase for reading in lazy_pinyin(char, v_to_u=False)]
        if len(whole) == len(phrase) and whole != alone:
            lines.append(f"{phrase}\t{' '.join(whole)}\n")
    OUT.write_text(f"# pypinyin {pypinyin.__version__}: words read otherwise than character by character "
                   f"(tools/phrase_readings.py)\n" + "".join(lines), encoding="utf-8")
    print(f"{len(lines)} words written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
