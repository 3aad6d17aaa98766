"""Input no database can take and errors of the API (issue 19, found by schemathesis).

`?q=%00` answered 500 on every list on PostgreSQL (NUL cannot be stored or compared there);
the API answered a URL without a route, a crash or a refused CSRF check with an HTML page.
"""

import json

import pytest
from django.test import Client, RequestFactory

from fengqiao.core import errors
from fengqiao.registry.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/registry/persons/",
    "/incidents/",
    "/disputes/",
    "/cases/",
    "/api/registry/persons/",
    "/api/incidents/",
    "/api/cases/",
]


@pytest.mark.parametrize("url", LISTS)
def test_a_nul_in_the_query_is_a_400_on_every_list(alice_client, url):
    response = alice_client.get(url, {"q": "张\x00"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "空字符" in text
    if url.startswith("/api/"):
        assert response["Content-Type"] == "application/json"
        assert "空字符" in response.json()["detail"]


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(alice_client, community_a):
    person = PersonFactory(station=community_a.station, community=community_a, name="张三")
    response = alice_client.post(
        f"/registry/persons/{person.pk}/edit/", {"name": "李\x00四", "community": community_a.pk}
    )
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.name == "张三"


def test_a_nul_in_a_json_body_is_refused(alice_client, community_a):
    person = PersonFactory(station=community_a.station, community=community_a, name="张三")
    response = alice_client.patch(
        f"/api/registry/persons/{person.pk}/",
        json.dumps({"name": "李\x00四"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and "空字符" in response.json()["detail"]
    assert Person.objects.get(pk=person.pk).name == "张三"


def test_an_api_path_without_a_route_answers_json(alice_client):
    response = alice_client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到"}


def test_a_page_without_a_route_stays_a_page(alice_client):
    response = alice_client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_crash_under_the_api_answers_json():
    response = errors.server_error(RequestFactory().get("/api/cases/"))
    assert response.status_code == 500
    assert json.loads(response.content)["detail"].startswith("服务器内部错误")


def test_a_refused_csrf_check_under_the_api_answers_json(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/registry/persons/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
