"""The WebSocket handshake of the server SDK: who a connecting process is, read from its URL's query.

Pure: no sockets, no emulator. The three official SDKs build the same query differently (server-sdk.md §2.1):

- Go: ``url.Values.Encode()``: keys sorted, values percent-encoded;
- C++: raw, unencoded, alphabetical, and a ``/`` appended to the base URL;
- C#: raw, unencoded, in a fixed order (ComputeId, FleetId, pID, sdkLanguage, sdkVersion, IdempotencyToken,
  Authorization).

So the query is split on ``&`` and on the first ``=`` of each pair, and only percent-decoded: a ``+`` stays a ``+``
(an unencoded token may hold one). The path is ignored altogether. Keys are matched exactly first and then without
regard to case, and an empty value counts as absent.

Authentication is either ``Authorization=<auth token>`` or ``Authorization=SigV4`` with the ``X-Amz-*`` set, whose
"canonical request" is only the sorted, query-escaped ``ComputeId=..&FleetId=..&pID=..`` string
(:func:`verify_sigv4`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

PID = "pID"
SDK_VERSION = "sdkVersion"
SDK_LANGUAGE = "sdkLanguage"
COMPUTE_ID = "ComputeId"
FLEET_ID = "FleetId"
IDEMPOTENCY_TOKEN = "IdempotencyToken"
AUTHORIZATION = "Authorization"
SIGV4 = "SigV4"
AMZ_ALGORITHM = "X-Amz-Algorithm"
AMZ_CREDENTIAL = "X-Amz-Credential"
AMZ_DATE = "X-Amz-Date"
AMZ_SIGNATURE = "X-Amz-Signature"
AMZ_SECURITY_TOKEN = "X-Amz-Security-Token"
ALGORITHM = "AWS4-HMAC-SHA256"
# How far an X-Amz-Date may stray from the verifier's clock (SigV4's usual 15 minutes).
SIGV4_CLOCK_SKEW_SECONDS = 15 * 60


class HandshakeError(Exception):
    """The upgrade is refused with ``status`` (the real service fails the HTTP upgrade; 403 for auth)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def split_query(raw: str) -> dict[str, str]:
    """``a=1&b=%2B+`` -> ``{"a": "1", "b": "++"}``: percent-decoding only, first value of a repeated key wins."""
    out: dict[str, str] = {}
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key = unquote(key)
        if key and key not in out:
            out[key] = unquote(value)
    return out


def _lookup(query: Mapping[str, str], name: str, folded: Mapping[str, str]) -> str | None:
    value = query.get(name)
    if value is None:
        value = folded.get(name.lower())
    return value or None


@dataclass(frozen=True)
class SigV4Query:
    access_key: str
    date: str  # yyyymmdd from the credential scope
    region: str
    service: str
    amz_date: str
    signature: str
    algorithm: str
    security_token: str | None = None


@dataclass(frozen=True)
class ConnectQuery:
    """What a connecting process says about itself; every value None when absent or empty."""

    process_id: str | None
    compute_id: str | None
    fleet_id: str | None
    sdk_version: str | None = None
    sdk_language: str | None = None
    idempotency_token: str | None = None
    auth_token: str | None = None
    sigv4: SigV4Query | None = None
    raw: dict[str, str] = field(default_factory=dict, repr=False)

    def require_identity(self) -> None:
        missing = [
            name
            for name, value in ((PID, self.process_id), (COMPUTE_ID, self.compute_id), (FLEET_ID, self.fleet_id))
            if not value
        ]
        if missing:
            raise HandshakeError(400, f"The connection query lacks {', '.join(missing)}")
        if self.auth_token is None and self.sigv4 is None:
            raise HandshakeError(403, "The connection query carries no Authorization (an auth token or SigV4)")


def parse_connect_query(raw_query: str) -> ConnectQuery:
    """The identity and credentials in a handshake's raw (undecoded) query string."""
    query = split_query(raw_query)
    folded = {k.lower(): v for k, v in query.items()}

    def get(name: str) -> str | None:
        return _lookup(query, name, folded)

    authorization = get(AUTHORIZATION)
    sigv4 = None
    auth_token = authorization
    if authorization == SIGV4 or (authorization is None and get(AMZ_SIGNATURE)):
        auth_token = None
        sigv4 = _sigv4(get)
    return ConnectQuery(
        process_id=get(PID),
        compute_id=get(COMPUTE_ID),
        fleet_id=get(FLEET_ID),
        sdk_version=get(SDK_VERSION),
        sdk_language=get(SDK_LANGUAGE),
        idempotency_token=get(IDEMPOTENCY_TOKEN),
        auth_token=auth_token,
        sigv4=sigv4,
        raw=query,
    )


def _sigv4(get: Callable[[str], str | None]) -> SigV4Query:
    credential = get(AMZ_CREDENTIAL) or ""
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise HandshakeError(403, f"{AMZ_CREDENTIAL} must be <access key>/<yyyymmdd>/<region>/gamelift/aws4_request")
    amz_date, signature = get(AMZ_DATE), get(AMZ_SIGNATURE)
    if not amz_date or not signature:
        raise HandshakeError(403, f"SigV4 authorization needs {AMZ_DATE} and {AMZ_SIGNATURE}")
    return SigV4Query(
        access_key=parts[0],
        date=parts[1],
        region=parts[2],
        service=parts[3],
        amz_date=amz_date,
        signature=signature,
        algorithm=get(AMZ_ALGORITHM) or ALGORITHM,
        security_token=get(AMZ_SECURITY_TOKEN),
    )


def _query_escape(value: str) -> str:
    # Go's url.QueryEscape: unreserved characters stay, space becomes '+', the rest is percent-encoded.
    return quote(value, safe="-_.~").replace("%20", "+")


def canonical_identity(process_id: str, compute_id: str, fleet_id: str) -> str:
    """The only "canonical request" the SDKs sign: the sorted, query-escaped identity."""
    params = {COMPUTE_ID: compute_id, FLEET_ID: fleet_id, PID: process_id}
    return "&".join(f"{_query_escape(k)}={_query_escape(params[k])}" for k in sorted(params))


def _signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sigv4_signature(query: ConnectQuery, secret_key: str) -> str:
    """The signature the SDK should have sent for ``query`` with ``secret_key``."""
    sig = query.sigv4
    assert sig is not None and query.process_id and query.compute_id and query.fleet_id
    digest = hashlib.sha256(canonical_identity(query.process_id, query.compute_id, query.fleet_id).encode()).hexdigest()
    scope = f"{sig.date}/{sig.region}/{sig.service}/aws4_request"
    string_to_sign = "\n".join((sig.algorithm, sig.amz_date, scope, digest))
    key = _signing_key(secret_key, sig.date, sig.region, sig.service)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def verify_sigv4(query: ConnectQuery, keys: Mapping[str, str], now: float) -> None:
    """Check a SigV4 handshake against the known ``keys`` (access key -> secret); HandshakeError(403) if wrong."""
    sig = query.sigv4
    if sig is None:
        raise HandshakeError(403, "The connection is not SigV4-signed")
    if sig.algorithm != ALGORITHM or sig.service != "gamelift":
        raise HandshakeError(403, f"Unsupported SigV4 algorithm or service ({sig.algorithm}, {sig.service})")
    try:
        signed_at = dt.datetime.strptime(sig.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC).timestamp()
    except ValueError:
        raise HandshakeError(403, f"{AMZ_DATE} {sig.amz_date!r} is not yyyymmddTHHMMSSZ") from None
    if not sig.amz_date.startswith(sig.date):
        raise HandshakeError(403, f"{AMZ_DATE} does not fall on the credential scope's date {sig.date}")
    if abs(now - signed_at) > SIGV4_CLOCK_SKEW_SECONDS:
        raise HandshakeError(403, "The SigV4 signature has expired (X-Amz-Date is more than 15 minutes away)")
    secret = keys.get(sig.access_key)
    if secret is None:
        raise HandshakeError(403, f"The access key {sig.access_key} is not known to this emulator")
    if not hmac.compare_digest(sigv4_signature(query, secret), sig.signature.lower()):
        raise HandshakeError(403, "The SigV4 signature does not match")
