"""boto3 clients for the emulator, over either wire protocol.

The GameLift model lists both protocols and botocore picks awsJson1_1 (its
priority order puts ``json`` first); newer SDKs pick smithy-rpc-v2-cbor. To
drive each path with botocore's own serializer and parser we load a copy of the
model that lists only that protocol: the same shapes, one wire format.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from tempfile import mkdtemp

import boto3
import botocore.session
from botocore.config import Config

PROTOCOLS = ("cbor", "json")


WIRE_NAMES = {"cbor": "smithy-rpc-v2-cbor", "json": "json"}


@cache
def model_dir(protocol: str) -> str:
    """A data directory whose GameLift model speaks only ``protocol``."""
    loader = botocore.session.get_session().get_component("data_loader")
    model = loader.load_service_model("gamelift", "service-2")
    model = json.loads(json.dumps(model))
    model["metadata"]["protocol"] = WIRE_NAMES[protocol]
    model["metadata"]["protocols"] = [WIRE_NAMES[protocol]]
    root = Path(mkdtemp(prefix="gamelift-json-model-"))
    version = loader.determine_latest_version("gamelift", "service-2")
    target = root / "gamelift" / version
    target.mkdir(parents=True)
    with gzip.open(target / "service-2.json.gz", "wt") as fh:
        json.dump(model, fh)
    return str(root)


def gamelift_client(
    url: str,
    protocol: str = "cbor",
    region: str = "us-west-2",
    access_key: str = "AKIAEXAMPLEKEY000001",
    secret_key: str = "example-secret",
    **config: object,
):
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, model_dir(protocol))
    client = boto3.Session(botocore_session=session).client(
        "gamelift",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(retries={"max_attempts": 1}, **config),
    )
    assert client.meta.service_model.resolved_protocol == WIRE_NAMES[protocol]
    return client
