"""Every user-facing string has a Chinese translation (STYLE: every page in both languages)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT

pytestmark = pytest.mark.nodb


def _ids(catalog):
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def test_every_string_in_the_code_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    extracted = _ids(read_po(pot.open("rb")))
    catalog = read_po((ROOT / "loans/translations/zh/LC_MESSAGES/messages.po").open("rb"))
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id and m.string}
    missing = sorted(extracted - translated, key=str)
    assert not missing, f"untranslated (run `make translations-update` and translate): {missing[:20]}"


def test_no_translation_is_fuzzy():
    catalog = read_po((ROOT / "loans/translations/zh/LC_MESSAGES/messages.po").open("rb"))
    assert not [m.id for m in catalog if m.id and m.fuzzy]
