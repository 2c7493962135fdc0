"""AWS Signature Version 4 handling for the emulator's HTTP front end.

Two entry points:

``read_identity(headers, query)``
    Cheap and never raises. Reads the ``Authorization`` header (or, for a presigned
    URL, the ``X-Amz-Credential`` query parameter) to learn which access key, region
    and service the caller signed for, without checking the signature. This is what
    the emulator uses in its default mode, where any credentials are accepted (as with
    the dummy credentials usually given to local emulators).

``SigV4Verifier(secret_keys).verify(...)``
    Used with ``--auth sigv4``. Recomputes the signature over the request exactly as
    it was received, using botocore's own signer (``botocore.auth.SigV4Auth`` over a
    ``botocore.awsrequest.AWSRequest``), and compares it with the one sent using
    ``hmac.compare_digest``. Only the headers named in ``SignedHeaders`` take part.
    Session credentials need nothing special: ``X-Amz-Security-Token`` is simply one
    of the signed headers (or query parameters) and the key table lists access keys.

Errors are raised as ``SigV4Error`` carrying the code, HTTP status and message a real
JSON-protocol (awsJson1_1 / RPC v2 CBOR "coral") endpoint such as GameLift returns:

=====================================  ======  =============================================
code                                   status  message
=====================================  ======  =============================================
MissingAuthenticationTokenException    400     "Request is missing Authentication Token"
IncompleteSignatureException           400     "Authorization header requires 'Credential'
                                               parameter. ... Authorization=<header>" and the
                                               other malformed-header wordings below
UnrecognizedClientException            400     "The security token included in the request
                                               is invalid."
InvalidSignatureException              400     "The request signature we calculated does not
                                               match the signature you provided. Check your
                                               AWS Secret Access Key and signing method.
                                               Consult the service documentation for
                                               details."
InvalidSignatureException              400     "Signature expired: 20140325T143453Z is now
                                               earlier than 20140325T143751Z
                                               (20140325T144251Z - 5 min.)" /
                                               "Signature not yet current: ... is still
                                               later than ... (... + 5 min.)"
=====================================  ======  =============================================

Status choice: the JSON-protocol services return all of these as 400 (DynamoDB:
MissingAuthenticationTokenException / "Request is missing Authentication Token" with
400; DynamoDB, Cognito, ECS: UnrecognizedClientException with 400; Kinesis,
Rekognition, Secrets Manager: InvalidSignatureException with 400). The 403 variants
belong to other front ends: the Query-protocol "Common Errors" pages list
``MissingAuthenticationToken`` (no ``Exception`` suffix) as 403, and API Gateway /
REST-JSON services (Lambda) answer "Missing Authentication Token" and
UnrecognizedClientException with 403. GameLift is a JSON-protocol service, so 400.

Wordings not observed from a JSON-protocol service are marked "emulator wording" where
they are produced; they follow the closest real message (mostly S3's).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from botocore.auth import SIGV4_TIMESTAMP, UNSIGNED_PAYLOAD, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

__all__ = [
    "INCOMPLETE_SIGNATURE",
    "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "SIGNATURE_MISMATCH_MESSAGE",
    "UNRECOGNIZED_CLIENT",
    "SigV4Error",
    "SigV4Identity",
    "SigV4Verifier",
    "read_identity",
]

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
#: Longest lifetime SigV4 allows for a presigned URL (one week).
MAX_PRESIGN_EXPIRES = 604800

MISSING_AUTHENTICATION_TOKEN = "MissingAuthenticationTokenException"
INCOMPLETE_SIGNATURE = "IncompleteSignatureException"
UNRECOGNIZED_CLIENT = "UnrecognizedClientException"
INVALID_SIGNATURE = "InvalidSignatureException"

MISSING_TOKEN_MESSAGE = "Request is missing Authentication Token"
UNRECOGNIZED_CLIENT_MESSAGE = "The security token included in the request is invalid."
SIGNATURE_MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
HOST_NOT_SIGNED_MESSAGE = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
QUERY_PARAMS_REQUIRED_MESSAGE = (
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
)

# Query parameters whose presence (without an Authorization header) marks a presigned URL.
_QUERY_AUTH_MARKERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_AMZ_DATE_RE = re.compile(r"\d{8}T\d{6}Z")
_PARAM_SPLIT_RE = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class SigV4Identity:
    """Who signed a request. ``signed`` is True when the request carries a well-formed
    SigV4 signature; from ``read_identity`` that signature has *not* been checked, from
    ``SigV4Verifier.verify`` it has."""

    access_key: str | None
    region: str | None
    service: str | None
    signed: bool


ANONYMOUS = SigV4Identity(None, None, None, False)


class SigV4Error(Exception):
    """A request failed authentication. ``code``/``status``/``message`` are what the
    emulator should put on the wire (``__type`` / HTTP status / ``message``).

    On a signature mismatch ``canonical_request`` and ``string_to_sign`` hold what the
    emulator computed, for logging; they are not part of the message (real endpoints
    only sometimes append them).
    """

    code: str
    status: int
    message: str

    def __init__(
        self,
        code: str,
        status: int,
        message: str,
        *,
        canonical_request: str | None = None,
        string_to_sign: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"SigV4Error(code={self.code!r}, status={self.status!r}, message={self.message!r})"


def _missing_token() -> SigV4Error:
    return SigV4Error(MISSING_AUTHENTICATION_TOKEN, 400, MISSING_TOKEN_MESSAGE)


def _incomplete(message: str) -> SigV4Error:
    return SigV4Error(INCOMPLETE_SIGNATURE, 400, message)


def _unrecognized() -> SigV4Error:
    return SigV4Error(UNRECOGNIZED_CLIENT, 400, UNRECOGNIZED_CLIENT_MESSAGE)


def _invalid(
    message: str = SIGNATURE_MISMATCH_MESSAGE,
    *,
    canonical_request: str | None = None,
    string_to_sign: str | None = None,
) -> SigV4Error:
    return SigV4Error(
        INVALID_SIGNATURE,
        400,
        message,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
    )


class _Headers:
    """Case-insensitive, multi-valued view of whatever header mapping the server has
    (plain dict, aiohttp CIMultiDict, http.client.HTTPMessage...)."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in headers.items():
            self._values.setdefault(str(name).lower(), []).append(str(value))

    def first(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, ()))


@dataclass(frozen=True)
class _AuthParts:
    access_key: str
    scope_date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


def _split_credential(credential: str) -> tuple[str, str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        # Emulator wording, after S3's AuthorizationHeaderMalformed message.
        raise _incomplete(
            f"Credential '{credential}' is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
    access_key, scope_date, region, service, terminator = parts
    return access_key, scope_date, region, service, terminator


def _split_signed_headers(value: str) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in value.split(";") if name.strip())


def _parse_authorization(header: str, *, date_present: bool = True) -> _AuthParts:
    """Parse ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    text = header.strip()
    algorithm, _, rest = text.partition(" ")
    params: dict[str, str] = {}
    if algorithm == ALGORITHM:
        for item in _PARAM_SPLIT_RE.split(rest):
            if not item:
                continue
            key, eq, value = item.partition("=")
            if not eq:
                raise _incomplete(
                    f"'{item}' not a valid key=value pair (missing equal-sign) "
                    f"in Authorization header: '{header}'."
                )
            params[key] = value
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not params.get(name)
    ]
    if not date_present:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if problems:
        raise _incomplete(" ".join(problems) + f" Authorization={header}")
    access_key, scope_date, region, service, terminator = _split_credential(params["Credential"])
    return _AuthParts(
        access_key=access_key,
        scope_date=scope_date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=_split_signed_headers(params["SignedHeaders"]),
        signature=params["Signature"],
    )


def _parse_query_auth(query: Mapping[str, str]) -> _AuthParts:
    """Parse the authentication parameters of a presigned URL (already percent-decoded)."""
    required = (
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Expires",
    )
    if any(not query.get(name) for name in required):
        raise _incomplete(QUERY_PARAMS_REQUIRED_MESSAGE)
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise _incomplete(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    credential = query["X-Amz-Credential"]
    if "/" not in credential:
        credential = unquote(credential)  # tolerate a caller handing us the raw value
    access_key, scope_date, region, service, terminator = _split_credential(credential)
    return _AuthParts(
        access_key=access_key,
        scope_date=scope_date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=_split_signed_headers(query["X-Amz-SignedHeaders"]),
        signature=query["X-Amz-Signature"],
    )


def _first_values(query: Mapping[str, object]) -> dict[str, str]:
    """Flatten ``{"k": "v"}`` or ``{"k": ["v", ...]}`` (parse_qs style) to first values."""
    flat: dict[str, str] = {}
    for key, value in query.items():
        if isinstance(value, list | tuple):
            if value:
                flat[str(key)] = str(value[0])
        else:
            flat[str(key)] = str(value)
    return flat


def read_identity(headers: Mapping[str, str], query: Mapping[str, str] | None = None) -> SigV4Identity:
    """Who does this request claim to be? Parses, never verifies, never raises.

    Looks at the ``Authorization`` header first, then at presigned-URL query parameters.
    Anything missing or garbled gives ``SigV4Identity(None, None, None, False)``.
    """
    try:
        auth = _Headers(headers).first("authorization")
        if auth is not None and auth.strip():
            parts = _parse_authorization(auth)
        elif query:
            flat = _first_values(query)
            if not any(name in flat for name in _QUERY_AUTH_MARKERS):
                return ANONYMOUS
            parts = _parse_query_auth(flat)
        else:
            return ANONYMOUS
    except Exception:
        return ANONYMOUS
    return SigV4Identity(parts.access_key, parts.region, parts.service, True)


def _parse_query_string(query_string: str) -> list[tuple[str, str]]:
    """Split a raw query string into percent-decoded (key, value) pairs, in order."""
    pairs: list[tuple[str, str]] = []
    for item in query_string.lstrip("?").split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def _parse_amz_date(value: str) -> _dt.datetime:
    if _AMZ_DATE_RE.fullmatch(value.strip()):
        try:
            return _dt.datetime.strptime(value.strip(), SIGV4_TIMESTAMP).replace(tzinfo=_dt.UTC)
        except ValueError:
            pass
    raise _incomplete(
        f"Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
    )


def _parse_http_date(value: str) -> _dt.datetime:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise _incomplete(
            f"Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.UTC)
    return parsed.astimezone(_dt.UTC)


def _fmt(epoch: float) -> str:
    return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC).strftime(SIGV4_TIMESTAMP)


class _ReceivedRequestSigner(SigV4Auth):
    """botocore's SigV4 signer, made to canonicalise exactly the headers on the request.

    The stock ``headers_to_sign`` picks every header except a deny-list and invents a
    ``host`` header from the URL; when re-checking a received request the set of headers
    is dictated by the client's ``SignedHeaders``, so the request built for it holds those
    headers and nothing else. Everything else (canonical URI, canonical query string,
    payload hash, string to sign, key derivation) is botocore's.
    """

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        selected = HTTPHeaders()
        for name, value in request.headers.items():
            selected[name.lower()] = value
        return selected


class SigV4Verifier:
    """Verifies SigV4-signed requests against a table of access key -> secret key."""

    def __init__(
        self,
        secret_keys: Mapping[str, str],
        now: Callable[[], float] = time.time,
        max_skew_seconds: float = 300.0,
    ) -> None:
        if max_skew_seconds < 0:
            raise ValueError("max_skew_seconds must be >= 0")
        self._secret_keys = dict(secret_keys)
        self._now = now
        self._max_skew = float(max_skew_seconds)

    def verify(
        self,
        method: str,
        host: str,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> SigV4Identity:
        """Check the request's signature; return the verified identity or raise SigV4Error.

        ``host`` is the Host (or ``:authority``) value, used when the ``host`` header is
        not in ``headers``; ``path`` is the path *as sent on the wire* (still
        percent-encoded, e.g. aiohttp's ``request.raw_path`` without the query);
        ``query_string`` is the raw query string (without ``?``); ``headers`` is looked
        up case-insensitively; ``body`` is the raw request body.
        """
        hv = _Headers(headers)
        pairs = _parse_query_string(query_string or "")
        first_query: dict[str, str] = {}
        for key, value in pairs:
            first_query.setdefault(key, value)

        expires: int | None = None
        auth = hv.first("authorization")
        if auth is not None and auth.strip():
            amz_date = hv.first("x-amz-date")
            http_date = hv.first("date")
            parts = _parse_authorization(auth, date_present=bool(amz_date or http_date))
            timestamp = _parse_amz_date(amz_date) if amz_date else _parse_http_date(http_date or "")
            canonical_pairs = pairs
        elif any(name in first_query for name in _QUERY_AUTH_MARKERS):
            parts = _parse_query_auth(first_query)
            timestamp = _parse_amz_date(first_query["X-Amz-Date"])
            expires = self._parse_expires(first_query["X-Amz-Expires"])
            # "The canonical query string must include all the query parameters ...
            # except for X-Amz-Signature."
            canonical_pairs = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
        else:
            raise _missing_token()

        if "host" not in parts.signed_headers:
            raise _incomplete(HOST_NOT_SIGNED_MESSAGE)
        secret_key = self._secret_keys.get(parts.access_key)
        if secret_key is None:
            raise _unrecognized()
        if parts.terminator != TERMINATOR:
            raise _invalid(
                "Credential should be scoped with a valid terminator: "
                f"'{TERMINATOR}', not '{parts.terminator}'."
            )
        self._check_time(timestamp, expires)

        request = AWSRequest(
            method=method.upper(),
            url=f"http://{host}{path or '/'}",
            data=body or b"",
            params=canonical_pairs,
        )
        for name in parts.signed_headers:
            values = hv.all(name)
            if not values and name == "host" and host:
                values = [host]
            if not values:
                # A header the client says it signed is not on the request.
                raise _invalid()
            for value in values:
                request.headers[name] = value
        self._check_content_sha256(request, body or b"")

        signer = _ReceivedRequestSigner(
            Credentials(parts.access_key, secret_key), parts.service, parts.region
        )
        request.context["timestamp"] = timestamp.strftime(SIGV4_TIMESTAMP)
        canonical_request = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical_request)
        expected = signer.signature(string_to_sign, request)
        if not hmac.compare_digest(expected.encode("ascii"), parts.signature.encode("utf-8")):
            raise _invalid(canonical_request=canonical_request, string_to_sign=string_to_sign)
        return SigV4Identity(parts.access_key, parts.region, parts.service, True)

    @staticmethod
    def _parse_expires(value: str) -> int:
        try:
            expires = int(value)
        except ValueError:
            expires = -1
        if expires < 0:
            raise _incomplete("X-Amz-Expires should be a number")  # S3 wording
        if expires > MAX_PRESIGN_EXPIRES:
            raise _incomplete(  # S3 wording
                "X-Amz-Expires must be less than a week (in seconds); that is, the given "
                f"X-Amz-Expires must be less than {MAX_PRESIGN_EXPIRES} seconds"
            )
        return expires

    def _check_time(self, timestamp: _dt.datetime, expires: int | None) -> None:
        now = self._now()
        signed_at = timestamp.timestamp()
        minutes = f"{self._max_skew / 60:g} min."
        latest = now + self._max_skew
        if signed_at > latest:
            raise _invalid(
                f"Signature not yet current: {_fmt(signed_at)} is still later than "
                f"{_fmt(latest)} ({_fmt(now)} + {minutes})"
            )
        if expires is None:
            earliest = now - self._max_skew
            if signed_at < earliest:
                raise _invalid(
                    f"Signature expired: {_fmt(signed_at)} is now earlier than "
                    f"{_fmt(earliest)} ({_fmt(now)} - {minutes})"
                )
        elif now > signed_at + expires:
            # Emulator wording for an expired presigned URL (S3 says "Request has expired").
            raise _invalid(f"Signature expired: {_fmt(signed_at + expires)} is now earlier than {_fmt(now)}.")

    @staticmethod
    def _check_content_sha256(request: AWSRequest, body: bytes) -> None:
        """If the client signed ``X-Amz-Content-SHA256``, botocore puts that value in the
        canonical request instead of hashing the body, so hold it to the body here."""
        declared = request.headers.get("x-amz-content-sha256")
        if declared is None or declared == UNSIGNED_PAYLOAD:
            return
        actual = hashlib.sha256(body).hexdigest()
        if not hmac.compare_digest(declared.lower().encode("utf-8"), actual.encode("ascii")):
            raise _invalid()
