"""Check real responses against ``openapi.json``: the documented routes are the routes that answer.

Used by the tests (``jsonschema`` is a development dependency, imported only here): for a route,
method and status, the body must match the documented schema, and an undocumented status is a
failure in itself.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("openapi.json")


class ContractError(AssertionError):
    pass


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


@cache
def _validator_for(pointer: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    document = spec()
    resource = Resource.from_contents(document, default_specification=_draft())
    registry = Registry().with_resource("urn:backend-openapi", resource)
    schema = {"$ref": f"urn:backend-openapi#{pointer}"}
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _draft() -> Any:
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def check_response(method: str, path: str, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    """Raise ContractError unless ``body`` is what openapi.json documents for this route and status."""
    operation = spec()["paths"].get(path, {}).get(method.lower())
    if operation is None:
        raise ContractError(f"{method} {path} is not documented")
    response = operation["responses"].get(str(status))
    if response is None:
        raise ContractError(f"{method} {path} answered {status}, which is not documented: {body}")
    pointer = f"/paths/{_escape(path)}/{method.lower()}/responses/{status}/content/application~1json/schema"
    errors = sorted(_validator_for(pointer).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        details = "; ".join(f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors[:5])
        raise ContractError(f"{method} {path} {status} does not match openapi.json: {details}")
    if headers is not None:
        lowered = {k.lower() for k in headers}
        if "x-request-id" not in lowered:
            raise ContractError(f"{method} {path} {status} has no X-Request-Id header")
        for name in response.get("headers", {}):
            if name.lower() not in lowered:
                raise ContractError(f"{method} {path} {status} lacks the documented {name} header")
