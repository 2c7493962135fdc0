"""--auth sigv4: the emulator verifies signatures the way a real endpoint does."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.emulator.launcher import EmulatorProcess
from tests.support.clients import PROTOCOLS, gamelift_client
from tests.support.raw_http import RawClient, error_code

ACCESS_KEY = "AKIAGAMELIFTLOCAL001"
SECRET_KEY = "local-secret-key-for-tests"


@pytest.fixture(scope="module")
def signed_emulator(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("sigv4") / "state.db"
    proc = EmulatorProcess(str(db), args=["--auth", "sigv4", "--keys", f"{ACCESS_KEY}:{SECRET_KEY}"]).start()
    yield proc
    proc.stop()


def client(url: str, protocol: str, access_key: str, secret_key: str):
    return gamelift_client(url, protocol, access_key=access_key, secret_key=secret_key)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_valid_signature_is_accepted(signed_emulator: EmulatorProcess, protocol: str) -> None:
    c = client(signed_emulator.url, protocol, ACCESS_KEY, SECRET_KEY)
    assert c.list_builds()["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_wrong_secret_is_invalid_signature(signed_emulator: EmulatorProcess, protocol: str) -> None:
    c = client(signed_emulator.url, protocol, ACCESS_KEY, "wrong-secret")
    with pytest.raises(ClientError) as err:
        c.list_builds()
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_unknown_key_is_unrecognized_client(signed_emulator: EmulatorProcess, protocol: str) -> None:
    c = client(signed_emulator.url, protocol, "AKIAUNKNOWNKEY000000", SECRET_KEY)
    with pytest.raises(ClientError) as err:
        c.list_builds()
    assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_unsigned_request_is_refused(signed_emulator: EmulatorProcess) -> None:
    raw = RawClient(signed_emulator.url)
    response = raw.json_call("ListBuilds", {})
    assert response.status == 400
    assert error_code(response) == "MissingAuthenticationTokenException"


def test_default_mode_accepts_any_credentials(fresh: EmulatorProcess) -> None:
    c = boto3.client(
        "gamelift",
        endpoint_url=fresh.url,
        region_name="eu-west-1",
        aws_access_key_id="anything",
        aws_secret_access_key="whatever",
        config=Config(retries={"max_attempts": 1}),
    )
    assert c.list_builds()["Builds"] == []
