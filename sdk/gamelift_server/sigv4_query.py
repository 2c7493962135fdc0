"""SigV4 query signing of the SDK WebSocket handshake (the alternative to an auth token).

GameLift's SDK endpoint does not sign an HTTP request the usual way: the official SDKs (Go
``security/sigv4_utility.go``, C++ ``AwsSigV4Utility``, C# ``GetSigV4QueryString``) sign only the identity of the
process, so the "canonical request" is just the sorted, query-escaped ``ComputeId=..&FleetId=..&pID=..`` string. The
rest is standard SigV4: the string to sign is the algorithm, the timestamp, the credential scope and the SHA-256 of that
canonical string, one per line; the key is the usual HMAC chain ``AWS4<secret> -> date -> region -> "gamelift" ->
"aws4_request"``. The session token, when present, travels alongside but is not signed (the official test vector
gives the same signature with and without it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

from .errors import ValidationException

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "gamelift"
TERMINATOR = "aws4_request"
AUTHORIZATION_VALUE = "SigV4"  # the Authorization query value that tells the endpoint to read the X-Amz-* set


def query_escape(value: str) -> str:
    """Go's url.QueryEscape: everything but unreserved characters percent-encoded, space as '+'."""
    return quote(value, safe="-_.~").replace("%20", "+")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{query_escape(k)}={query_escape(params[k])}" for k in sorted(params))


def signing_key(secret_key: str, date: str, region: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, SERVICE, TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign_query(
    *,
    region: str,
    access_key: str,
    secret_key: str,
    session_token: str | None,
    signed_params: Mapping[str, str],
    now: dt.datetime,
) -> dict[str, str]:
    """The query parameters to add to the handshake URL, in the order they are documented."""
    if not region:
        raise ValidationException("AwsRegion is required")
    if not access_key:
        raise ValidationException("AccessKey is required")
    if not secret_key:
        raise ValidationException("SecretKey is required")
    if not signed_params:
        raise ValidationException("QueryParams is required")
    utc = now.astimezone(dt.UTC)
    date = utc.strftime("%Y%m%d")
    timestamp = utc.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{date}/{region}/{SERVICE}/{TERMINATOR}"
    digest = hashlib.sha256(canonical_query(signed_params).encode()).hexdigest()
    string_to_sign = "\n".join((ALGORITHM, timestamp, scope, digest))
    signature = hmac.new(signing_key(secret_key, date, region), string_to_sign.encode(), hashlib.sha256).hexdigest()
    query = {
        "Authorization": AUTHORIZATION_VALUE,
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{access_key}/{scope}",
        "X-Amz-Date": timestamp,
        "X-Amz-Signature": signature,
    }
    if session_token:
        query["X-Amz-Security-Token"] = session_token
    return query
