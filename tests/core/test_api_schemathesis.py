"""schemathesis over the whole API, generated from the app's own OpenAPI document (issue 19).

Every operation of /api/schema/ is called with examples generated from its schema, valid and
invalid (a fixed seed and a bounded number per operation), as a station leader and as a system
administrator, through the WSGI application in the test's own database transaction. Each answer
must not be a server error and must be what the schema says: its status code documented, its
body of the documented shape, its content type JSON. A new endpoint is covered the moment it is
routed; a failure names the operation and the request that broke it.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fengqiao.accounts.choices import Role
from tests.core.test_scoping_matrix import FACTORIES, World
from tests.factories import CommunityFactory, StationFactory, UserFactory

# Examples per operation and generation mode: enough to send a missing field, a wrong type, a
# NUL byte and an unknown id to each operation, small enough to keep the module near a minute.
EXAMPLES = 2
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)))
    schema.app = get_wsgi_application()
    return schema


SCHEMA = _schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(autouse=True)
def _one_connection():
    """The WSGI handler closes the database connection after each request; the test client
    does not, and neither may this module: the requests must see the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _session(user) -> dict:
    client = Client()
    client.force_login(user)
    csrf = _get_new_csrf_string()
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        "headers": {"X-CSRFToken": csrf},
    }


@pytest.fixture
def sessions(db):
    station = StationFactory()
    community = CommunityFactory(station=station)
    leader = UserFactory(role=Role.STATION_LEADER, station=station)
    community.officers.add(leader)
    admin = UserFactory(role=Role.ADMIN, station=station)
    # One record of each kind the scoping matrix can make, so lists answer rows to check.
    world = World(station, leader, leader, community, community, {})
    for make in FACTORIES.values():
        make(world)
    return [_session(leader), _session(admin)]


def _runner(operation, mode, users, failures, examples=EXAMPLES):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for auth in users:
            response = case.call(cookies=auth["cookies"], headers=auth["headers"])
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 - collected, reported together
                failures.append(f"{mode.value}: {exc}"[:3000])

    return run


def _has_input(operation) -> bool:
    return len(operation.body) > 0 or any(
        len(group) for group in (operation.path_parameters, operation.query, operation.headers)
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_operation_answers_as_documented(operation, sessions):
    leader, admin = sessions
    failures = []
    # Valid examples as the leader and, once, as an administrator (the installation-wide tables);
    # invalid ones (a wrong type, a missing field, a NUL) as the leader, when there is input to spoil.
    runs = [
        (GenerationMode.POSITIVE, [leader], EXAMPLES),
        (GenerationMode.POSITIVE, [admin], 1),
    ]
    if _has_input(operation):
        runs.append((GenerationMode.NEGATIVE, [leader], EXAMPLES))
    for mode, users, examples in runs:
        try:
            _runner(operation, mode, users, failures, examples)()
        except Unsatisfiable:
            # Every input of the operation is optional and free: no invalid request to make.
            assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request"
    assert not failures, "\n\n".join(failures[:3])
