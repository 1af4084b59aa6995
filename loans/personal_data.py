"""Encryption at rest and keyed lookup hashes for personal data (SPEC §11).

One configured secret, ``PERSONAL_DATA_KEY``, is stretched with HKDF into an encryption
key (Fernet: AES-128-CBC + HMAC-SHA256) and a separate HMAC key for lookup hashes, so a
resident ID can be found for duplicate checks without being stored in the clear.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, db, utcnow
from .unit_of_work import unit_of_work

KEY_CHECK_NAME = "personal_data"


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class PersonalDataVault:
    def __init__(self, secret: str):
        raw = secret.encode()
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(raw, b"loans/encrypt/v1")))
        self._lookup_key = _derive(raw, b"loans/lookup/v1")
        self.key_check_value = hmac.new(_derive(raw, b"loans/key-check/v1"), b"key check", hashlib.sha256).hexdigest()

    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)

    def encrypt_text(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt_text(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:  # wrong key: fail loudly, never show ciphertext
            raise RuntimeError("personal data cannot be decrypted with the configured key") from exc

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).hexdigest()


class KeyCheck(db.Model):
    """A value derived from the personal-data key and nothing else: a server started with
    another key (a restore on a new machine, a typo in the environment) is refused at
    start-up instead of failing on every page that shows personal data."""

    __tablename__ = "key_checks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    check_value: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WrongKeyError(RuntimeError):
    """The configured personal-data key does not open the stored personal data."""


WRONG_KEY = ("the configured PERSONAL_DATA_KEY does not open the personal data in this database ({why}); "
             "start with the key the data was encrypted with (keys are kept apart from backups, see README)")

# One encrypted value from each table that stores them: any one that decrypts proves the key.
_ENCRYPTED_SAMPLES = (
    "SELECT id_number FROM loan_applications WHERE id_number IS NOT NULL",
    "SELECT id_number FROM partners WHERE id_number IS NOT NULL",
    "SELECT id_number FROM loans WHERE id_number IS NOT NULL",
    "SELECT id_number FROM roster_entries WHERE id_number IS NOT NULL",
)


def check_stored_key(app) -> None:
    """Refuse to start when the key does not match the database (SPEC §10, §11).

    The key check value is compared when stored; a database from before it existed is
    checked by decrypting a stored resident ID, and then gets its check value. A database
    without the table (not yet migrated, or an empty restore target) is not checked."""
    the_vault: PersonalDataVault = app.extensions["personal_data"]
    with app.app_context():
        try:
            if not inspect(db.engine).has_table(KeyCheck.__tablename__):
                return
            stored = db.session.scalar(select(KeyCheck.check_value).where(KeyCheck.name == KEY_CHECK_NAME))
            if stored is not None:
                if not hmac.compare_digest(stored, the_vault.key_check_value):
                    raise WrongKeyError(WRONG_KEY.format(why="its key check value differs"))
                return
            for query in _ENCRYPTED_SAMPLES:
                token = db.session.execute(text(query + " LIMIT 1")).scalar()
                if token is not None:
                    try:
                        the_vault.decrypt_text(token)
                    except RuntimeError:
                        raise WrongKeyError(WRONG_KEY.format(why="a stored resident ID cannot be decrypted")) from None
                    break
            try:
                with unit_of_work():
                    db.session.add(KeyCheck(name=KEY_CHECK_NAME, check_value=the_vault.key_check_value))
            except IntegrityError:  # another server process stored it first (rolled back); check again next start
                pass
        except OperationalError as exc:  # database unreachable: /healthz reports it, pages fail clearly
            app.logger.warning("personal-data key not checked: %s", exc.orig)
        finally:
            db.session.remove()


def init_app(app) -> None:
    app.extensions["personal_data"] = PersonalDataVault(app.config["PERSONAL_DATA_KEY"])


def vault() -> PersonalDataVault:
    from flask import current_app

    return current_app.extensions["personal_data"]
