"""OpenAPI schema at /api/schema/ and the Swagger UI docs page at /api/docs/ (assets served locally)."""

import re

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

REGISTRY_PATHS = [
    "/api/registry/communities/",
    "/api/registry/liaison-points/",
    "/api/registry/addresses/",
    "/api/registry/houses/",
    "/api/registry/persons/",
    "/api/registry/persons/{id}/",
    "/api/registry/persons/{id}/history/",
    "/api/registry/persons/{id}/reveal/",
    "/api/registry/organisations/",
]


@pytest.fixture
def schema(alice_client):
    response = alice_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_needs_a_signed_in_user(client, db):
    assert client.get("/api/schema/").status_code in (401, 403)


def test_docs_page_allows_no_inline_script(alice_client):
    csp = alice_client.get("/api/docs/")["Content-Security-Policy"]
    assert "script-src 'self';" in csp


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


@pytest.mark.parametrize("path", REGISTRY_PATHS)
def test_schema_has_the_registry_paths(schema, path):
    assert path in schema["paths"]


def test_schema_describes_operations_in_chinese(schema):
    op = schema["paths"]["/api/registry/persons/{id}/reveal/"]["post"]
    assert op["summary"] == "查看完整个人信息"
    assert "查看记录" in op["description"]
    assert schema["paths"]["/api/registry/persons/"]["get"]["tags"] == ["一标三实·实有人口"]


def test_schema_documents_token_auth(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "apiKey"
    assert schemes["tokenAuth"]["name"] == "Authorization"


def test_schema_documents_paging_and_the_search_parameter(schema):
    params = {p["name"] for p in schema["paths"]["/api/registry/persons/"]["get"]["parameters"]}
    assert {"page", "page_size", "q", "community", "category", "ordering"} <= params


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert (
        "/api/registry/persons/{id}/reveal/"
        in yaml.safe_load(out.read_text(encoding="utf-8"))["paths"]
    )


def test_docs_page_renders_with_local_assets_only(alice_client):
    response = alice_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in src for src in sources)
    assert all(src.startswith("/") and not src.startswith("//") for src in sources), sources
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script: the bootstrap comes from ?script


@pytest.mark.parametrize(
    "asset",
    [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    ],
)
def test_docs_assets_are_served_by_the_app(client, asset):
    response = client.get(asset)
    assert response.status_code == 200
    response.close()


def test_docs_bootstrap_script_is_served_as_javascript(alice_client):
    response = alice_client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_shows_the_registry_operations_in_a_browser(page, live_server, alice):
    from tests.browser import browser_login

    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/api/docs/")
    tag = page.locator(".opblock-tag", has_text="一标三实·实有人口").first
    tag.wait_for(timeout=60_000)  # the first visit generates the schema (a few seconds on a busy machine)
    assert page.locator(".opblock-tag").count() > 10  # tags start folded
    tag.click()
    page.wait_for_selector("text=查看完整个人信息")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_schema_is_generated_once_per_language(alice_client, monkeypatch):
    from drf_spectacular.generators import SchemaGenerator

    from fengqiao.core.api import CachedSchemaView

    CachedSchemaView._cache.clear()
    calls = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    first = alice_client.get("/api/schema/?format=json")
    second = alice_client.get("/api/schema/?format=json")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and len(calls) == 1
    english = alice_client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
