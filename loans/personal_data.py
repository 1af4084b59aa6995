"""Encryption at rest and keyed lookup hashes for personal data (SPEC §11).

One configured secret, ``PERSONAL_DATA_KEY``, is stretched with HKDF into an encryption
key (Fernet: AES-128-CBC + HMAC-SHA256) and a separate HMAC key for lookup hashes, so a
resident ID can be found for duplicate checks without being stored in the clear.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class PersonalDataVault:
    def __init__(self, secret: str):
        raw = secret.encode()
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(raw, b"loans/encrypt/v1")))
        self._lookup_key = _derive(raw, b"loans/lookup/v1")

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


def init_app(app) -> None:
    app.extensions["personal_data"] = PersonalDataVault(app.config["PERSONAL_DATA_KEY"])


def vault() -> PersonalDataVault:
    from flask import current_app

    return current_app.extensions["personal_data"]
