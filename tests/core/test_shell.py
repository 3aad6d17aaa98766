import pytest

from fengqiao.core.navigation import PARTS


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.key)
def test_every_part_is_built_and_its_old_pending_link_lands_on_it(alice_client, part):
    from fengqiao.core.navigation import part_url

    assert part.url_name, f"part {part.number} has no page"
    response = alice_client.get(f"/parts/{part.key}/")
    assert response.status_code == 302 and response.url == part_url(part) != f"/parts/{part.key}/"


def test_a_part_not_built_has_a_clear_pending_page(alice_client, monkeypatch):
    from dataclasses import replace

    from fengqiao.core import views

    pending = replace(PARTS[9], url_name=None)
    monkeypatch.setattr(views, "part_by_key", lambda key: pending)
    response = alice_client.get(f"/parts/{pending.key}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "建设中" in body and str(pending.title) in body


def test_navigation_has_no_broken_links(alice_client):
    from django.test import Client

    body = alice_client.get("/").content.decode()
    import re

    links = set(re.findall(r'href="(/[^"#?]*)"', body))
    assert len(links) >= 10
    client: Client = alice_client
    for link in links:
        if link.startswith("/static/"):
            continue
        assert client.get(link).status_code in (200, 302), link


def test_unknown_part_is_404(alice_client):
    assert alice_client.get("/parts/nothing/").status_code == 404


def test_healthz_answers_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_every_page_has_a_request_id(client, db):
    response = client.get("/accounts/login/")
    assert len(response["X-Request-ID"]) == 36


def test_shell_renders_for_a_user_with_neither_station_nor_bureau(client, db):
    from tests.factories import UserFactory

    admin = UserFactory(role="admin", station=None, is_superuser=True)
    client.force_login(admin)
    assert client.get("/").status_code == 200


def test_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("fengqiao/favicon.svg")
