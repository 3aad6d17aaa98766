"""The OpenAPI document describes the errors every operation answers (issue 19, core/openapi.py)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation["responses"]


def test_every_operation_documents_its_errors_with_a_json_body(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert "oneOf" in components["ValidationError"]
    count = 0
    for path, method, responses in _operations(schema):
        count += 1
        wanted = {"400", "401", "403", "404"}
        if method != "get":
            wanted.add("405")
        if method == "delete":
            wanted.add("409")
        assert wanted <= set(responses), (method, path, sorted(responses))
        for code in wanted:
            content = responses[code].get("content", {})
            assert "application/json" in content, (method, path, code)
            assert responses[code]["description"], (method, path, code)
    assert count > 150


def test_rate_limited_operations_document_429_with_retry_after(schema):
    persons = schema["paths"]["/api/registry/persons/"]
    assert "Retry-After" in persons["get"]["responses"]["429"]["headers"]
    assert "429" not in persons["post"]["responses"]
    assert "429" not in schema["paths"]["/api/registry/persons/{id}/"]["get"]["responses"]
    throttled = [
        (path, method) for path, method, responses in _operations(schema) if "429" in responses
    ]
    assert len(throttled) >= 2  # the person search and the public (anonymous) vehicle endpoint


def test_a_ticket_without_a_counter_is_documented_as_null(schema):
    field = schema["components"]["schemas"]["DeskTicket"]["properties"]["counter_number"]
    assert field.get("nullable") is True
