"""schemathesis against the running server's OpenAPI document: no server error, and every
answer as the document says (status, media type, body schema, headers).

Bounded: ``MAX_EXAMPLES`` valid and as many invalid requests per operation and caller, so
the run takes
about a minute or two on two cores. It runs as an analyst (who may call most operations,
so the generated data reaches the routes' own code) and as the public (refusals and the
public views). The server works on a copy of the workspace: generated writes (decisions,
reports, evidence) are real and must not disturb the other tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import ApiWorld, Served, serving

MAX_EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_server(
    api_world: ApiWorld, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    world = api_world.copy(tmp_path_factory.mktemp("fuzz") / "workspace")
    with serving(world) as served:
        yield served


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: Served) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(fuzzed_server.url + "/openapi.json")


_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the working tree
    derandomize=True,  # the same examples every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)


def _fuzz(schema: schemathesis.BaseSchema, served: Served, headers: dict[str, str]) -> None:
    """Every operation, valid and invalid data; all failures reported together.

    (schemathesis' own pytest integration, ``from_fixture``, fails on pytest 9, so the
    operations' strategies are driven with hypothesis directly.)"""
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the document itself is valid
        operations.append(result.ok())
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @_SETTINGS
            def run(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(base_url=served.url, headers=headers, checks=CHECKS)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - collected, then reported all at once
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)


def test_as_an_analyst(api_schema: schemathesis.BaseSchema, fuzzed_server: Served) -> None:
    _fuzz(api_schema, fuzzed_server, fuzzed_server.world.headers("analyst"))


def test_as_the_public(api_schema: schemathesis.BaseSchema, fuzzed_server: Served) -> None:
    _fuzz(api_schema, fuzzed_server, {})
