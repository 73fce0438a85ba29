"""Fingerprint templates at rest: AES-256-GCM under the keys of FINGERPRINT_KEYS.

FINGERPRINT_KEYS is a list of "<key id>:<32 bytes in urlsafe base64>". The first key
encrypts; every key decrypts; each row records the id of its key, so a new key goes first
and the old ones stay until `manage.py rotate_fingerprint_keys` has re-encrypted every row.

The associated data names the member and the finger: a ciphertext copied onto another
member's (or finger's) row fails to decrypt instead of letting the wrong person in.
Stored value: 12-byte random nonce followed by the GCM ciphertext and tag.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
KEY_BYTES = 32


class TemplateDecryptError(Exception):
    """A stored template that no key opens (tampered, moved to another row, unknown key)."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]  # (key id, key), the encrypting one first

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def get(self, key_id: str) -> bytes | None:
        return dict(self.keys).get(key_id)


def new_key_spec(key_id: str) -> str:
    """A fresh "<id>:<key>" entry for FINGERPRINT_KEYS."""
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def parse_keys(specs: list[str] | tuple[str, ...]) -> Keyring:
    keys: list[tuple[str, bytes]] = []
    for spec in specs:
        key_id, sep, encoded = spec.strip().partition(":")
        if not sep or not key_id:
            raise ImproperlyConfigured("FINGERPRINT_KEYS entries are '<key id>:<base64 key>'")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"FINGERPRINT_KEYS: key {key_id!r} is not base64") from exc
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(f"FINGERPRINT_KEYS: key {key_id!r} must be {KEY_BYTES} bytes")
        if any(key_id == known for known, _ in keys):
            raise ImproperlyConfigured(f"FINGERPRINT_KEYS: key id {key_id!r} given twice")
        keys.append((key_id, key))
    if not keys:
        raise ImproperlyConfigured(
            "FINGERPRINT_KEYS is not set: a deployment must give the keys that encrypt "
            "fingerprint templates (see README, Configuration)."
        )
    return Keyring(tuple(keys))


@lru_cache(maxsize=8)
def _keyring(specs: tuple[str, ...]) -> Keyring:
    return parse_keys(specs)


def keyring() -> Keyring:
    return _keyring(tuple(settings.FINGERPRINT_KEYS))


def associated_data(member_id: int, finger: int) -> bytes:
    return f"gymsite.fingerprint.v1:{member_id}:{finger}".encode()


def encrypt_template(template: bytes, *, member_id: int, finger: int) -> tuple[str, bytes]:
    """(key id, stored bytes) for `template` of this member's finger."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[0][1]).encrypt(nonce, template, associated_data(member_id, finger))
    return ring.current_id, nonce + sealed


def decrypt_template(stored: bytes, *, key_id: str, member_id: int, finger: int) -> bytes:
    key = keyring().get(key_id)
    if key is None:
        raise TemplateDecryptError(f"no key {key_id!r} in FINGERPRINT_KEYS")
    stored = bytes(stored)
    try:
        return AESGCM(key).decrypt(
            stored[:NONCE_BYTES], stored[NONCE_BYTES:], associated_data(member_id, finger)
        )
    except (InvalidTag, ValueError) as exc:
        raise TemplateDecryptError("the template does not open with its key") from exc
