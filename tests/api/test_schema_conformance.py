"""The API against its own OpenAPI schema (schemathesis): for generated requests to every
operation, valid and invalid, no server error and every answer as the schema documents it
(status, content type, body, headers).

One check is left out: that every request the schema allows is accepted. A schema cannot say
what the domain refuses (a file that is not the image it claims to be, a submission of an item
already submitted), and those refusals are documented 4XX problems."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from reviewportal.demo import DEMO_PASSWORD, demo_seed
from reviewportal.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def _connections_kept():
    """The app is called as a WSGI server would, which closes the database connection after
    each request; the test's transaction lives on that connection. Django's own test client
    keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def demo_key(_connections_kept, settings):
    """The key the demo prints (``seed_demo``), over the demo's data: accounts, realname
    materials, signatures and templates in every review state, carrier filings."""
    # Enough requests per minute for the generated cases; the limit itself is tested elsewhere.
    settings.API_POLICY = {**settings.API_POLICY, "RATE_PER_MINUTE": 100_000}
    result = demo_seed(password=DEMO_PASSWORD)
    assert result.api_key is not None
    return result.api_key[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case, demo_key):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {demo_key}"},
        excluded_checks=[positive_data_acceptance],
    )
