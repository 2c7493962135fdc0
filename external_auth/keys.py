"""RSA signing keys: one signs, replaced ones stay published through a rollover, the JWKS lists them.

Rotation without breaking anyone: ``rotate`` adds a new key that signs from then on, and marks the
old one to retire after ``rollover_seconds`` (at least a token lifetime plus the verifiers' leeway).
Until then the JWKS publishes both, so tokens signed before the rotation still verify, and a
verifier that meets the new ``kid`` refetches the JWKS and finds it. A key's ``kid`` is its RFC 7638
thumbprint, so the same key always has the same id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from external_auth.store import AuthStore, StoredKey

log = logging.getLogger("external_auth.keys")

ALGORITHM = "RS256"


def _b64uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def public_jwk_members(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {"e": _b64uint(numbers.e), "kty": "RSA", "n": _b64uint(numbers.n)}


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, without whitespace."""
    canonical = json.dumps(public_jwk_members(public_key), separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    created_at: float
    retire_at: float | None

    @property
    def signing(self) -> bool:
        return self.retire_at is None

    def public_jwk(self) -> dict[str, str]:
        return {**public_jwk_members(self.private_key.public_key()), "kid": self.kid, "use": "sig", "alg": ALGORITHM}

    @property
    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")


def new_key(bits: int, now: float) -> SigningKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return SigningKey(thumbprint(private_key.public_key()), private_key, now, None)


def _revive(stored: StoredKey) -> SigningKey:
    private_key = serialization.load_pem_private_key(stored.private_pem.encode("ascii"), password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError(f"stored key {stored.kid} is not an RSA key")
    return SigningKey(stored.kid, private_key, stored.created_at, stored.retire_at)


class KeyRing:
    """The store's signing keys, reloaded when another process (the rotate command) changes them."""

    def __init__(self, store: AuthStore, bits: int = 2048) -> None:
        self.store = store
        self.bits = bits
        self._keys: list[SigningKey] = []
        self._version: int | None = None

    def _load(self) -> None:
        self._keys = [_revive(k) for k in self.store.signing_keys()]
        self._version = self.store.data_version()

    def _fresh(self) -> list[SigningKey]:
        if self._version != self.store.data_version():
            self._load()
        return self._keys

    def ensure_signing_key(self, now: float) -> SigningKey:
        """The key that signs; made on first start."""
        keys = self._fresh()
        signing = [k for k in keys if k.signing]
        if signing:
            return signing[-1]
        key = new_key(self.bits, now)
        self.store.add_key(StoredKey(key.kid, key.private_pem, now, None), retire_others_at=None)
        self._load()
        log.info("event=key_created kid=%s", key.kid)
        return key

    def signing_key(self, now: float) -> SigningKey:
        return self.ensure_signing_key(now)

    def published(self, now: float) -> list[SigningKey]:
        """Keys a verifier may meet: the signing key and those still in their rollover, newest first."""
        keys = [k for k in self._fresh() if k.retire_at is None or k.retire_at > now]
        return sorted(keys, key=lambda k: k.created_at, reverse=True)

    def jwks(self, now: float) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.published(now)]}

    def rotate(self, now: float, rollover_seconds: float) -> SigningKey:
        """A new key signs from now; the old ones stay published for ``rollover_seconds``."""
        self.store.retire_before(now)
        key = new_key(self.bits, now)
        self.store.add_key(StoredKey(key.kid, key.private_pem, now, None), retire_others_at=now + rollover_seconds)
        self._load()
        log.info("event=key_rotated kid=%s rollover_s=%s", key.kid, rollover_seconds)
        return key

    def end_rollover(self) -> int:
        removed = self.store.end_rollover()
        self._load()
        return removed
