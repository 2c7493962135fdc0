"""Password hashes: scrypt with a per-account salt, compared in constant time.

A hash is stored as ``scrypt$<log2 N>$<r>$<p>$<salt b64>$<digest b64>`` so the cost can be
raised later without invalidating existing accounts (each hash carries its own parameters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SALT_BYTES = 16
DIGEST_BYTES = 32
BLOCK_SIZE = 8
PARALLELISM = 1
MIN_LOG2_N = 10
MAX_LOG2_N = 20


class InvalidHash(ValueError):
    pass


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 1 << log2_n
    # surrogatepass: JSON can carry lone surrogates, which strict UTF-8 refuses (a 500); every other
    # string encodes exactly as before, so existing hashes still verify.
    secret = password.encode("utf-8", "surrogatepass")
    # maxmem must cover 128 * N * r bytes, plus OpenSSL's slack.
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + (1 << 20), dklen=DIGEST_BYTES)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, log2_n: int = 15) -> str:
    if not MIN_LOG2_N <= log2_n <= MAX_LOG2_N:
        raise ValueError(f"scrypt log2 N must be within {MIN_LOG2_N}..{MAX_LOG2_N}")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, log2_n, BLOCK_SIZE, PARALLELISM)
    return f"scrypt${log2_n}${BLOCK_SIZE}${PARALLELISM}${_b64(salt)}${_b64(digest)}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            raise InvalidHash(f"unknown hash scheme {scheme!r}")
        parsed = int(log2_n), int(r), int(p), _unb64(salt), _unb64(digest)
    except (ValueError, TypeError) as exc:
        raise InvalidHash("malformed password hash") from exc
    if not MIN_LOG2_N <= parsed[0] <= MAX_LOG2_N:
        raise InvalidHash("scrypt cost out of range")
    return parsed


def verify_password(password: str, stored: str) -> bool:
    log2_n, r, p, salt, digest = _parse(stored)
    return hmac.compare_digest(_scrypt(password, salt, log2_n, r, p), digest)


def burn_time(password: str, log2_n: int = 15) -> None:
    """Spend what a real verification costs, so a login for an unknown name is not faster than a wrong password."""
    _scrypt(password, b"\0" * SALT_BYTES, log2_n, BLOCK_SIZE, PARALLELISM)
