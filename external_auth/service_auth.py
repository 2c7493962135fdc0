"""How services call external_auth: HMAC-SHA256 signed requests with a shared secret per caller.

A player's token never authorises a service call: the caller proves it holds a service secret by
signing the request, and the secret itself never crosses the wire. The signature covers the
method, path and query, a timestamp, a nonce, the key id and the body's SHA-256, so a captured
request cannot be altered, and replaying it fails once the timestamp leaves the allowed skew or
the nonce has been seen.

This module is the scheme itself (pure, stdlib only); callers sign with :func:`sign`, the service
checks with :class:`ServiceVerifier`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

KEY_HEADER = "X-Service-Key"
TIMESTAMP_HEADER = "X-Service-Timestamp"
NONCE_HEADER = "X-Service-Nonce"
SIGNATURE_HEADER = "X-Service-Signature"


def canonical(method: str, path_qs: str, timestamp: str, nonce: str, key_id: str, body: bytes) -> bytes:
    return "\n".join(
        ["HMAC-SHA256", method.upper(), path_qs, timestamp, nonce, key_id, hashlib.sha256(body).hexdigest()]
    ).encode("utf-8")


def sign(key_id: str, secret: str, method: str, path_qs: str, body: bytes, now: float) -> dict[str, str]:
    """Headers that authenticate one request."""
    timestamp = str(int(now))
    nonce = secrets.token_hex(16)
    mac = hmac.new(secret.encode(), canonical(method, path_qs, timestamp, nonce, key_id, body), hashlib.sha256)
    return {
        KEY_HEADER: key_id,
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: mac.hexdigest(),
    }


class ServiceAuthError(Exception):
    """Why a service request was refused (the message is safe to return)."""


@dataclass
class ServiceVerifier:
    credentials: Mapping[str, str]
    max_skew_seconds: float = 60.0
    max_nonces: int = 100_000

    def __post_init__(self) -> None:
        # Nonces seen within the skew window, oldest first.
        self._nonces: OrderedDict[str, float] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return bool(self.credentials)

    def verify(self, method: str, path_qs: str, headers: Mapping[str, str], body: bytes, now: float) -> str:
        """The calling key's id, or ServiceAuthError."""
        key_id = headers.get(KEY_HEADER, "")
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        nonce = headers.get(NONCE_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "")
        if not (key_id and timestamp and nonce and signature):
            raise ServiceAuthError("missing service signature headers")
        secret = self.credentials.get(key_id)
        # Compute a MAC even for an unknown key, so timing does not tell which ids exist.
        expected = hmac.new(
            (secret or "unknown-key").encode(),
            canonical(method, path_qs, timestamp, nonce, key_id, body),
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(expected, signature) or secret is None:
            raise ServiceAuthError("bad service signature")
        try:
            sent = int(timestamp)
        except ValueError:
            raise ServiceAuthError("bad service timestamp") from None
        if abs(now - sent) > self.max_skew_seconds:
            raise ServiceAuthError("service request timestamp outside the allowed skew")
        self._forget_before(now - self.max_skew_seconds)
        seen_key = f"{key_id}:{nonce}"
        if seen_key in self._nonces:
            raise ServiceAuthError("replayed service request")
        self._nonces[seen_key] = now
        while len(self._nonces) > self.max_nonces:
            self._nonces.popitem(last=False)
        return key_id

    def _forget_before(self, cutoff: float) -> None:
        while self._nonces:
            oldest = next(iter(self._nonces.values()))
            if oldest >= cutoff:
                break
            self._nonces.popitem(last=False)
