"""Tests for infra.emulator.protocol.sigv4: requests are signed by botocore itself
(SigV4Auth / SigV4QueryAuth over AWSRequest) and then checked by the emulator side."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlsplit

import boto3
import cbor2
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

from infra.emulator.protocol.sigv4 import (
    SIGNATURE_MISMATCH_MESSAGE,
    SigV4Error,
    SigV4Identity,
    SigV4Verifier,
    read_identity,
)

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
OTHER_ACCESS_KEY = "AKIDOTHER"
OTHER_SECRET_KEY = "other/secret+key"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE//session+token=="
KEYS = {ACCESS_KEY: SECRET_KEY, OTHER_ACCESS_KEY: OTHER_SECRET_KEY}
HOST = "localhost:9080"
REGION = "us-west-2"
SERVICE = "gamelift"
ANONYMOUS = SigV4Identity(None, None, None, False)


@dataclasses.dataclass
class Wire:
    """A request as the emulator's HTTP server sees it."""

    method: str
    host: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return next(v for k, v in self.headers.items() if k.lower() == name.lower())

    def with_header(self, name: str, value: str | None) -> Wire:
        headers = {k: v for k, v in self.headers.items() if k.lower() != name.lower()}
        if value is not None:
            headers[name] = value
        return dataclasses.replace(self, headers=headers)

    def signed_at(self) -> float:
        dates = [v for k, v in self.headers.items() if k.lower() == "x-amz-date"]
        stamp = dates[0] if dates else dict(parse_qsl(self.query))["X-Amz-Date"]
        return dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC).timestamp()


def _to_wire(request: AWSRequest, body: bytes) -> Wire:
    parts = urlsplit(request.url)
    headers = dict(request.headers.items())
    # Added by the HTTP layer after signing, so never signed.
    headers["Host"] = parts.netloc
    headers["Content-Length"] = str(len(body))
    headers["User-Agent"] = "Boto3/1.40 md/Botocore#1.40 ua/2.1 os/linux"
    return Wire(request.method, parts.netloc, parts.path or "/", parts.query, headers, body)


def sign(
    kind: str,
    *,
    query: str = "",
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    token: str | None = None,
    region: str = REGION,
) -> Wire:
    """Sign a GameLift ListFleets request the way botocore does, in either wire protocol."""
    if kind == "json":
        path = "/"
        headers = {
            "X-Amz-Target": "GameLift.ListFleets",
            "Content-Type": "application/x-amz-json-1.1",
        }
        body = b'{"Limit": 10}'
    elif kind == "cbor":
        path = "/service/GameLift/operation/ListFleets"
        headers = {
            "smithy-protocol": "rpc-v2-cbor",
            "Content-Type": "application/cbor",
            "Accept": "application/cbor",
        }
        body = cbor2.dumps({"Limit": 10, "Blob": b"\x00\xff\xfe\x80"})
    else:  # pragma: no cover
        raise AssertionError(kind)
    url = f"http://{HOST}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method="POST", url=url, headers=headers, data=body)
    SigV4Auth(Credentials(access_key, secret_key, token), SERVICE, region).add_auth(request)
    return _to_wire(request, body)


def verifier_at(wire: Wire, offset: float = 0.0, **kwargs) -> SigV4Verifier:
    """A verifier whose clock reads ``offset`` seconds after the request was signed."""
    signed = wire.signed_at()
    return SigV4Verifier(KEYS, now=lambda: signed + offset, **kwargs)


def verify(wire: Wire, verifier: SigV4Verifier | None = None) -> SigV4Identity:
    verifier = verifier or verifier_at(wire)
    return verifier.verify(wire.method, wire.host, wire.path, wire.query, wire.headers, wire.body)


def rejected(wire: Wire, verifier: SigV4Verifier | None = None) -> SigV4Error:
    with pytest.raises(SigV4Error) as info:
        verify(wire, verifier)
    return info.value


def replace_auth_part(wire: Wire, name: str, value: str | None) -> Wire:
    """Rewrite (or drop, with value=None) one component of the Authorization header."""
    algorithm, rest = wire.header("Authorization").split(" ", 1)
    parts = [p.strip() for p in rest.split(",")]
    new_parts = []
    for part in parts:
        key = part.split("=", 1)[0]
        if key == name:
            if value is not None:
                new_parts.append(f"{name}={value}")
        else:
            new_parts.append(part)
    return wire.with_header("Authorization", f"{algorithm} " + ", ".join(new_parts))


def stamp(epoch: float) -> str:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y%m%dT%H%M%SZ")


KINDS = pytest.mark.parametrize("kind", ["json", "cbor"])


# --------------------------------------------------------------------------- accepted


@KINDS
def test_botocore_signed_request_is_accepted(kind: str) -> None:
    wire = sign(kind)
    assert verify(wire) == SigV4Identity(ACCESS_KEY, REGION, SERVICE, True)


@KINDS
def test_region_and_key_come_from_the_credential_scope(kind: str) -> None:
    wire = sign(kind, access_key=OTHER_ACCESS_KEY, secret_key=OTHER_SECRET_KEY, region="eu-central-1")
    assert verify(wire) == SigV4Identity(OTHER_ACCESS_KEY, "eu-central-1", SERVICE, True)


@KINDS
@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_header_names_in_any_case(kind: str, case: Callable[[str], str]) -> None:
    wire = sign(kind)
    recased = dataclasses.replace(wire, headers={case(k): v for k, v in wire.headers.items()})
    assert verify(recased).access_key == ACCESS_KEY


def test_case_insensitive_multidict_headers() -> None:
    multidict = pytest.importorskip("multidict")
    wire = sign("cbor")
    headers = multidict.CIMultiDict(wire.headers)
    verifier = verifier_at(wire)
    identity = verifier.verify(wire.method, wire.host, wire.path, wire.query, headers, wire.body)
    assert identity.signed


@KINDS
def test_unsigned_headers_do_not_matter(kind: str) -> None:
    wire = sign(kind)
    wire = wire.with_header("User-Agent", "something-else/1.0")
    wire = wire.with_header("X-Forwarded-For", "10.0.0.1")
    wire = wire.with_header("Accept-Encoding", "gzip")
    assert verify(wire).signed


@KINDS
def test_host_header_may_come_from_the_host_argument(kind: str) -> None:
    wire = sign(kind).with_header("Host", None)
    assert verify(wire).signed


@KINDS
def test_within_clock_skew_is_accepted(kind: str) -> None:
    wire = sign(kind)
    assert verify(wire, verifier_at(wire, +299)).signed
    assert verify(wire, verifier_at(wire, -299)).signed


@KINDS
@pytest.mark.parametrize(
    "query",
    [
        "a=1",
        "b=2&a=1&c=3",
        "z=last&a=first&a=again&empty=&flag",
        "name=hello%20world&path=%2Fx%2Fy&tilde=~ok&unicode=%C3%A9t%C3%A9",
    ],
)
def test_query_strings_with_several_parameters(kind: str, query: str) -> None:
    wire = sign(kind, query=query)
    assert wire.query == query
    assert verify(wire).signed


@KINDS
def test_tampered_query_parameter_is_rejected(kind: str) -> None:
    wire = sign(kind, query="b=2&a=1&c=3")
    tampered = dataclasses.replace(wire, query="b=2&a=1&c=4")
    assert rejected(tampered).code == "InvalidSignatureException"
    added = dataclasses.replace(wire, query="b=2&a=1&c=3&d=5")
    assert rejected(added).code == "InvalidSignatureException"


@KINDS
def test_session_token_is_signed_over(kind: str) -> None:
    wire = sign(kind, token=SESSION_TOKEN)
    assert wire.header("X-Amz-Security-Token") == SESSION_TOKEN
    assert "x-amz-security-token" in wire.header("Authorization")
    assert verify(wire) == SigV4Identity(ACCESS_KEY, REGION, SERVICE, True)

    swapped = wire.with_header("X-Amz-Security-Token", SESSION_TOKEN + "x")
    assert rejected(swapped).code == "InvalidSignatureException"
    dropped = wire.with_header("X-Amz-Security-Token", None)
    assert rejected(dropped).code == "InvalidSignatureException"


def test_date_header_instead_of_x_amz_date() -> None:
    request = AWSRequest(
        method="POST",
        url=f"http://{HOST}/",
        headers={"X-Amz-Target": "GameLift.ListFleets", "Date": "Mon, 01 Jan 2024 00:00:00 GMT"},
        data=b"{}",
    )
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), SERVICE, REGION).add_auth(request)
    wire = _to_wire(request, b"{}")
    assert "X-Amz-Date" not in wire.headers and "date;" in wire.header("Authorization")
    signed = parsedate_to_datetime(wire.header("Date")).timestamp()
    assert verify(wire, SigV4Verifier(KEYS, now=lambda: signed + 10)).signed
    late = SigV4Verifier(KEYS, now=lambda: signed + 400)
    assert rejected(wire, late).message.startswith("Signature expired")


def test_signed_content_sha256_header_is_held_to_the_body() -> None:
    # A signer that sends X-Amz-Content-SHA256 (as S3's does) puts that header's value in the
    # canonical request instead of hashing the body; the body must still match it.
    request = AWSRequest(
        method="POST",
        url=f"http://{HOST}/",
        headers={"X-Amz-Target": "GameLift.ListFleets"},
    )
    request.data = b'{"Limit": 10}'
    S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), SERVICE, REGION).add_auth(request)
    wire = _to_wire(request, b'{"Limit": 10}')
    assert "x-amz-content-sha256" in wire.header("Authorization")
    assert verify(wire).signed
    error = rejected(dataclasses.replace(wire, body=b'{"Limit": 99}'))
    assert error.code == "InvalidSignatureException"


def test_unsigned_payload_is_accepted_when_signed_as_such() -> None:
    request = AWSRequest(
        method="POST",
        url=f"https://{HOST}/",
        headers={"X-Amz-Target": "GameLift.ListFleets"},
    )
    request.data = b'{"Limit": 10}'
    request.context["payload_signing_enabled"] = False
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), SERVICE, REGION).add_auth(request)
    wire = _to_wire(request, b'{"Limit": 10}')
    assert wire.header("X-Amz-Content-SHA256") == "UNSIGNED-PAYLOAD"
    assert verify(wire).signed
    # ... but a client cannot opt out by adding the header unsigned.
    signed_body = sign("json")
    forged = dataclasses.replace(
        signed_body.with_header("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"), body=b'{"Limit": 99}'
    )
    assert rejected(forged).code == "InvalidSignatureException"


# --------------------------------------------------------------------------- rejected


@KINDS
def test_missing_authorization_header(kind: str) -> None:
    wire = sign(kind).with_header("Authorization", None)
    error = rejected(wire)
    assert error.code == "MissingAuthenticationTokenException"
    assert error.status == 400
    assert error.message == "Request is missing Authentication Token"


@pytest.mark.parametrize("part", ["Credential", "SignedHeaders", "Signature"])
@KINDS
def test_malformed_header_missing_a_part(kind: str, part: str) -> None:
    wire = replace_auth_part(sign(kind), part, None)
    error = rejected(wire)
    assert error.code == "IncompleteSignatureException"
    assert error.status == 400
    assert f"Authorization header requires '{part}' parameter." in error.message
    assert error.message.endswith(f"Authorization={wire.header('Authorization')}")


def test_malformed_header_not_sigv4_at_all() -> None:
    wire = sign("json").with_header("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")
    error = rejected(wire)
    assert error.code == "IncompleteSignatureException"
    assert error.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization=Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"
    )


def test_malformed_header_component_without_equal_sign() -> None:
    wire = sign("json")
    header = wire.header("Authorization").replace(f"Credential={ACCESS_KEY}", f"Credential={ACCESS_KEY} ")
    error = rejected(wire.with_header("Authorization", header))
    assert error.code == "IncompleteSignatureException"
    assert error.message.startswith(f"'/{stamp(wire.signed_at())[:8]}/{REGION}/{SERVICE}/aws4_request' ")
    assert "not a valid key=value pair (missing equal-sign) in Authorization header" in error.message


def test_malformed_credential_scope() -> None:
    wire = replace_auth_part(sign("json"), "Credential", f"{ACCESS_KEY}/20240101/{REGION}")
    error = rejected(wire)
    assert error.code == "IncompleteSignatureException"
    assert "Credential" in error.message


def test_wrong_credential_terminator() -> None:
    scope = f"{ACCESS_KEY}/20240101/{REGION}/{SERVICE}/aws5_request"
    error = rejected(replace_auth_part(sign("json"), "Credential", scope))
    assert error.code == "InvalidSignatureException"
    assert error.message == (
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."
    )


def test_missing_date_header() -> None:
    wire = sign("json").with_header("X-Amz-Date", None)
    error = rejected(wire, SigV4Verifier(KEYS))
    assert error.code == "IncompleteSignatureException"
    assert "requires existence of either a 'X-Amz-Date' or a 'Date' header." in error.message


def test_bad_date_format() -> None:
    wire = sign("json").with_header("X-Amz-Date", "2024-01-01T00:00:00Z")
    error = rejected(wire, SigV4Verifier(KEYS))
    assert error.code == "IncompleteSignatureException"
    assert error.message.startswith("Date must be in ISO-8601 'basic format'. Got '2024-01-01T00:00:00Z'.")


def test_host_must_be_signed() -> None:
    wire = replace_auth_part(sign("json"), "SignedHeaders", "content-type;x-amz-date;x-amz-target")
    error = rejected(wire)
    assert error.code == "IncompleteSignatureException"
    assert error.message == "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."


@KINDS
def test_unknown_access_key(kind: str) -> None:
    wire = sign(kind, access_key="AKIDNOBODY", secret_key="whatever")
    error = rejected(wire)
    assert error.code == "UnrecognizedClientException"
    assert error.status == 400
    assert error.message == "The security token included in the request is invalid."


@KINDS
def test_wrong_secret(kind: str) -> None:
    wire = sign(kind, secret_key="not-the-secret")
    error = rejected(wire)
    assert error.code == "InvalidSignatureException"
    assert error.status == 400
    assert error.message == SIGNATURE_MISMATCH_MESSAGE
    assert error.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )
    assert error.canonical_request is not None and error.string_to_sign is not None


@KINDS
def test_tampered_body(kind: str) -> None:
    wire = sign(kind)
    body = b'{"Limit": 11}' if kind == "json" else cbor2.dumps({"Limit": 11, "Blob": b"\x00\xff\xfe\x80"})
    error = rejected(dataclasses.replace(wire, body=body))
    assert error.code == "InvalidSignatureException"
    assert error.message == SIGNATURE_MISMATCH_MESSAGE


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("json", "X-Amz-Target", "GameLift.DeleteFleet"),
        ("json", "Content-Type", "application/x-amz-json-1.0"),
        ("cbor", "smithy-protocol", "rpc-v2-json"),
        ("cbor", "Content-Type", "application/json"),
        ("cbor", "Host", "evil.example:9080"),
    ],
)
def test_tampered_signed_header(kind: str, name: str, value: str) -> None:
    wire = sign(kind).with_header(name, value)
    assert rejected(wire).code == "InvalidSignatureException"


@KINDS
def test_tampered_path(kind: str) -> None:
    wire = sign(kind)
    moved = dataclasses.replace(wire, path="/service/GameLift/operation/DeleteFleet")
    assert rejected(moved).code == "InvalidSignatureException"


def test_signed_header_missing_from_request() -> None:
    wire = sign("cbor").with_header("smithy-protocol", None)
    assert rejected(wire).code == "InvalidSignatureException"


def test_tampered_signature() -> None:
    wire = sign("json")
    signature = wire.header("Authorization").rsplit("Signature=", 1)[1]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert rejected(replace_auth_part(wire, "Signature", flipped)).code == "InvalidSignatureException"


@KINDS
def test_signature_expired(kind: str) -> None:
    wire = sign(kind)
    signed = wire.signed_at()
    error = rejected(wire, verifier_at(wire, +301))
    assert error.code == "InvalidSignatureException"
    assert error.status == 400
    assert error.message == (
        f"Signature expired: {stamp(signed)} is now earlier than {stamp(signed + 1)} "
        f"({stamp(signed + 301)} - 5 min.)"
    )


def test_signature_not_yet_current() -> None:
    wire = sign("json")
    signed = wire.signed_at()
    error = rejected(wire, verifier_at(wire, -301))
    assert error.code == "InvalidSignatureException"
    assert error.message == (
        f"Signature not yet current: {stamp(signed)} is still later than {stamp(signed - 1)} "
        f"({stamp(signed - 301)} + 5 min.)"
    )


def test_custom_skew_window() -> None:
    wire = sign("json")
    error = rejected(wire, verifier_at(wire, +61, max_skew_seconds=60))
    assert error.message.endswith(" - 1 min.)")
    assert verify(wire, verifier_at(wire, +59, max_skew_seconds=60)).signed


def test_error_is_an_exception_with_wire_fields() -> None:
    error = rejected(sign("json").with_header("Authorization", None))
    assert isinstance(error, Exception)
    assert str(error) == "MissingAuthenticationTokenException: Request is missing Authentication Token"


# --------------------------------------------------------------------------- read_identity


@KINDS
def test_read_identity_returns_key_and_region(kind: str) -> None:
    wire = sign(kind, region="ap-northeast-1")
    assert read_identity(wire.headers) == SigV4Identity(ACCESS_KEY, "ap-northeast-1", SERVICE, True)


@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_read_identity_header_name_any_case(case: Callable[[str], str]) -> None:
    wire = sign("json")
    headers = {case(k): v for k, v in wire.headers.items()}
    assert read_identity(headers).access_key == ACCESS_KEY


def test_read_identity_does_not_verify() -> None:
    wire = sign("json", access_key="AKIDANYONE", secret_key="anything at all")
    tampered = dataclasses.replace(wire, body=b"{}")
    assert read_identity(tampered.headers) == SigV4Identity("AKIDANYONE", REGION, SERVICE, True)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "   ",
        "Bearer abc.def.ghi",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-west-2",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-west-2/gamelift/aws4_request",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
        "AWS4-HMAC-SHA256 Credential AKID, SignedHeaders=host, Signature=abc",
        "\x00\xff garbage",
    ],
)
def test_read_identity_missing_or_garbled(authorization: str | None) -> None:
    headers = {"Content-Type": "application/cbor"}
    if authorization is not None:
        headers["Authorization"] = authorization
    assert read_identity(headers) == ANONYMOUS
    assert read_identity(headers, {}) == ANONYMOUS


def test_read_identity_never_raises_on_odd_inputs() -> None:
    assert read_identity({}) == ANONYMOUS
    assert read_identity({"Authorization": None}) == ANONYMOUS  # type: ignore[dict-item]
    assert read_identity({}, {"X-Amz-Credential": "nonsense"}) == ANONYMOUS
    assert read_identity({}, {"Action": "ListFleets"}) == ANONYMOUS


# --------------------------------------------------------------------------- presigned URLs


def presign(expires: int = 300, token: str | None = None) -> Wire:
    url = f"http://{HOST}/service/GameLift/operation/ListFleets?Limit=10&Filter=a%20b"
    request = AWSRequest(method="GET", url=url, headers={"X-Amz-Target": "GameLift.ListFleets"})
    auth = SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY, token), SERVICE, REGION, expires=expires)
    auth.add_auth(request)
    parts = urlsplit(request.url)
    headers = {"Host": parts.netloc, "X-Amz-Target": "GameLift.ListFleets", "User-Agent": "curl/8"}
    return Wire("GET", parts.netloc, parts.path, parts.query, headers, b"")


def test_presigned_url_is_accepted() -> None:
    wire = presign()
    assert "X-Amz-Signature=" in wire.query and "Authorization" not in wire.headers
    assert verify(wire) == SigV4Identity(ACCESS_KEY, REGION, SERVICE, True)
    # A presigned URL stays valid for X-Amz-Expires, even beyond the header clock-skew window.
    assert verify(wire, verifier_at(wire, +299)).signed


def test_presigned_url_with_session_token() -> None:
    wire = presign(token=SESSION_TOKEN)
    assert "X-Amz-Security-Token=" in wire.query
    assert verify(wire).access_key == ACCESS_KEY


def test_presigned_url_read_identity() -> None:
    wire = presign()
    assert read_identity(wire.headers, dict(parse_qsl(wire.query))) == SigV4Identity(
        ACCESS_KEY, REGION, SERVICE, True
    )


def test_presigned_url_tampered_query() -> None:
    wire = presign()
    tampered = dataclasses.replace(wire, query=wire.query.replace("Limit=10", "Limit=11"))
    assert rejected(tampered).code == "InvalidSignatureException"


def test_presigned_url_tampered_signed_header() -> None:
    wire = presign().with_header("X-Amz-Target", "GameLift.DeleteFleet")
    assert rejected(wire).code == "InvalidSignatureException"


def test_presigned_url_expired() -> None:
    wire = presign(expires=60)
    error = rejected(wire, verifier_at(wire, +61))
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith("Signature expired: ")


def test_presigned_url_missing_parameter() -> None:
    wire = presign()
    query = "&".join(p for p in wire.query.split("&") if not p.startswith("X-Amz-SignedHeaders="))
    error = rejected(dataclasses.replace(wire, query=query))
    assert error.code == "IncompleteSignatureException"
    assert error.message.startswith("Query-string authentication version 4 requires")


def test_presigned_url_unknown_key() -> None:
    wire = presign()
    error = rejected(wire, SigV4Verifier({OTHER_ACCESS_KEY: OTHER_SECRET_KEY}, now=lambda: wire.signed_at()))
    assert error.code == "UnrecognizedClientException"


# --------------------------------------------------------------------------- a real boto3 client


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: object):
        yield self._data


def test_real_boto3_client_request_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever protocol and headers this botocore picks for GameLift (1.44 sends JSON 1.1 with
    amz-sdk-* headers and a session token), its signature verifies."""
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    client = boto3.client(
        "gamelift",
        region_name=REGION,
        endpoint_url=f"http://{HOST}",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=SESSION_TOKEN,
        config=Config(retries={"max_attempts": 1}),
    )
    captured: list[Wire] = []

    def capture(request, **_: object) -> AWSResponse:
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
        headers["Host"] = parts.netloc
        captured.append(Wire(request.method, parts.netloc, parts.path, parts.query, headers, body))
        if headers.get("smithy-protocol") == "rpc-v2-cbor":
            return AWSResponse(
                request.url,
                200,
                {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
                _Raw(cbor2.dumps({"FleetIds": []})),
            )
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(b"{}"))

    client.meta.events.register("before-send.gamelift", capture)
    client.list_fleets(Limit=5)

    (wire,) = captured
    assert verify(wire) == SigV4Identity(ACCESS_KEY, REGION, SERVICE, True)
    assert read_identity(wire.headers) == SigV4Identity(ACCESS_KEY, REGION, SERVICE, True)
    assert rejected(dataclasses.replace(wire, body=wire.body + b"\x00")).code == "InvalidSignatureException"
