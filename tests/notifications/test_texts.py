"""Every message in both languages (SPEC §15): an SMS is at most 70 characters with the
signature and the longest parameters, carries no resident ID, and links only through the
app's short links."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from loans.notifications import texts

FRAGMENT = Path(__file__).resolve().parents[2] / ".outbox-translations.po"
RESIDENT_ID = re.compile(r"\d{17}[\dXx]")
SIGN = "【郴州人社】"


def _fragment_gettext():
    """Chinese from the PO fragment until the lead merges it into the catalog."""
    catalog = read_po(FRAGMENT.open("rb"), locale="zh") if FRAGMENT.exists() else None

    def gettext(msgid, **params):
        entry = catalog.get(msgid) if catalog is not None else None
        return ((entry.string if entry is not None and entry.string else msgid) % params) if params else msgid

    return gettext


@pytest.mark.parametrize("key", sorted(texts.TEMPLATES))
def test_sms_fit_in_70_characters_in_both_languages(app, key, monkeypatch):
    with app.test_request_context():
        for locale in ("en", "zh"):
            with force_locale(locale):
                said = texts.render_sms(key, texts.LONGEST, SIGN)
                full = texts.render(key, texts.LONGEST)
            assert len(said) <= 70, (locale, said, len(said))
            assert said.startswith(SIGN) and not RESIDENT_ID.search(said) and not RESIDENT_ID.search(full)
            for url in re.findall(r"https?://\S+", said):
                assert "/s/" in url, said
        if not FRAGMENT.exists():  # merged into the catalog: the zh rendering above checked it
            return
        monkeypatch.setattr(texts, "_", _fragment_gettext())
        chinese = texts.render_sms(key, texts.LONGEST, SIGN)
        assert len(chinese) <= 70, (chinese, len(chinese))
        assert re.search(r"[\u4e00-\u9fff]", chinese.removeprefix(SIGN)), f"no Chinese for {key}: {chinese}"


def test_every_sms_parameter_is_in_the_text(app):
    """Tencent's template takes the parameters in order: each one we send appears in our text."""
    with app.test_request_context(), force_locale("en"):
        for key, template in texts.TEMPLATES.items():
            said = texts.render_sms(key, texts.LONGEST, SIGN)
            for name in template.sms_params:
                assert texts.LONGEST[name] in said, (key, name)


def test_decisions_information_requests_and_expiry_are_essential():
    essential = {key for key, t in texts.TEMPLATES.items() if t.essential}
    assert {"decision", "info_requested", "expiry_soon", "expiry_soon_bank"} <= essential
    assert not {"received", "contract_recorded", "subsidy_paid", "visit_due", "bank_warned"} & essential
