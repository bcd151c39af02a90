"""Schemathesis fuzzes the auth operations of /api/openapi.json against the running system:
no 5xx, only documented statuses, JSON bodies that match the documented schemas.

Login is left out on purpose: random failed logins would throttle the one client address every
e2e test shares (127.0.0.1). Other services' operations belong to their own suites.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from api_gateway.openapi import document
from tests.e2e.conftest import System

pytestmark = pytest.mark.timeout(300)

schema = schemathesis.openapi.from_dict(document()).include(
    path_regex=r"^/api/(auth/(register|me|logout)|openapi\.json)$"
)


@pytest.fixture(scope="module")
def base_url(system: System) -> str:
    return system.gateway_url


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_auth_operations_answer_as_documented(case, base_url: str) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(base_url=base_url, session=requests.Session())


def test_the_served_document_is_the_one_the_route_table_is_checked_against(
    system: System,
) -> None:
    served = requests.get(system.api("/api/openapi.json"), timeout=10)
    assert served.status_code == 200 and served.json() == document()
