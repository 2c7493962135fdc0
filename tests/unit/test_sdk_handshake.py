"""sdk.gamelift_server.handshake and sigv4_query: the connection URL, checked against an independent computation and
the Go SDK's published test vector."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from urllib.parse import unquote, urlsplit

import pytest

from sdk.gamelift_server import handshake
from sdk.gamelift_server.errors import ValidationException
from sdk.gamelift_server.sigv4_query import sign_query

WHEN = dt.datetime(2024, 8, 5, 10, 0, 0, tzinfo=dt.UTC)


def parse_query(url: str) -> dict[str, str]:
    """How the emulator must read it: split on '&' and the first '=', percent-decode only ('+' stays '+')."""
    return dict((unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in urlsplit(url).query.split("&")))


def test_token_query_has_the_official_keys_sorted_and_encoded() -> None:
    query = handshake.connection_query(process_id="p 1", host_id="DevLaptop", fleet_id="fleet-1",
                                       sdk_version="5.6.0", sdk_language="Python", idempotency_token="idem",
                                       auth_token="tok+/=")
    url = handshake.connection_url("wss://abc.execute-api.us-west-2.amazonaws.com/prod?old=1", query)
    assert url.startswith("wss://abc.execute-api.us-west-2.amazonaws.com/prod?")
    keys = [p.split("=")[0] for p in urlsplit(url).query.split("&")]
    assert keys == sorted(keys) == ["Authorization", "ComputeId", "FleetId", "IdempotencyToken", "pID",
                                    "sdkLanguage", "sdkVersion"]
    assert "tok%2B%2F%3D" in url and "p%201" in url
    assert parse_query(url) == {"pID": "p 1", "sdkVersion": "5.6.0", "sdkLanguage": "Python", "ComputeId": "DevLaptop",
                                "FleetId": "fleet-1", "IdempotencyToken": "idem", "Authorization": "tok+/="}


def test_idempotency_tokens_are_fresh() -> None:
    assert handshake.new_idempotency_token() != handshake.new_idempotency_token()


def independent_signature(secret: str, region: str, when: dt.datetime, canonical: str) -> str:
    """SigV4 written out longhand, sharing no code with the SDK."""
    date, stamp = when.strftime("%Y%m%d"), when.strftime("%Y%m%dT%H%M%SZ")
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, region.encode(), hashlib.sha256).digest()
    key = hmac.new(key, b"gamelift", hashlib.sha256).digest()
    key = hmac.new(key, b"aws4_request", hashlib.sha256).digest()
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{date}/{region}/gamelift/aws4_request\n" + hashlib.sha256(
        canonical.encode()).hexdigest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_go_sdk_published_vector() -> None:
    signed = sign_query(region="us-east-1", access_key="testAccessKey", secret_key="testSecretKey",
                        session_token="testSessionToken", signed_params={"param1": "value1", "param2": "value2"},
                        now=WHEN)
    assert signed == {
        "Authorization": "SigV4",
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": "testAccessKey/20240805/us-east-1/gamelift/aws4_request",
        "X-Amz-Date": "20240805T100000Z",
        "X-Amz-Signature": "2601fe291f4b43a63f6ffb0e1d9085a1edbaa2a866c96511e153af3408bfe771",
        "X-Amz-Security-Token": "testSessionToken",
    }


def test_session_token_is_not_signed() -> None:
    common = dict(region="us-east-1", access_key="AK", secret_key="SK", signed_params={"a": "b"}, now=WHEN)
    with_token, without = sign_query(session_token="T", **common), sign_query(session_token=None, **common)
    assert with_token["X-Amz-Signature"] == without["X-Amz-Signature"]
    assert "X-Amz-Security-Token" not in without


def test_sigv4_connection_signs_only_the_process_identity() -> None:
    local = dt.datetime(2025, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=3)))  # signed in UTC
    query = handshake.sigv4_connection_query(
        process_id="pid-1", host_id="compute-1", fleet_id="fleet-1", sdk_version="5.6.0", sdk_language="Python",
        idempotency_token="idem", region="us-west-2", access_key="AKIDEXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", session_token=None, now=local)
    canonical = "ComputeId=compute-1&FleetId=fleet-1&pID=pid-1"
    expected = independent_signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-west-2",
                                     dt.datetime(2025, 1, 2, 2, 4, 5), canonical)
    assert query["X-Amz-Signature"] == expected
    assert query["X-Amz-Date"] == "20250102T020405Z"
    assert query["X-Amz-Credential"] == "AKIDEXAMPLE/20250102/us-west-2/gamelift/aws4_request"
    assert query["Authorization"] == "SigV4" and query["pID"] == "pid-1" and query["IdempotencyToken"] == "idem"


def test_identity_values_are_query_escaped_before_signing() -> None:
    signed = sign_query(region="us-west-2", access_key="AK", secret_key="SK", session_token=None,
                        signed_params={"pID": "a b/c"}, now=WHEN)
    assert signed["X-Amz-Signature"] == independent_signature("SK", "us-west-2", WHEN, "pID=a+b%2Fc")


@pytest.mark.parametrize(("field", "message"), [("region", "AwsRegion"), ("access_key", "AccessKey"),
                                                 ("secret_key", "SecretKey")])
def test_missing_signing_inputs(field: str, message: str) -> None:
    args = dict(region="r", access_key="a", secret_key="s", session_token=None, signed_params={"a": "b"}, now=WHEN)
    args[field] = ""
    with pytest.raises(ValidationException, match=message):
        sign_query(**args)  # type: ignore[arg-type]
