"""The public booking limits count the resident's address behind the station's proxy (issue 19)."""

import pytest

from fengqiao.desk.models import PublicHit
from tests.desk.test_public import codes, start  # noqa: F401  (codes: a fixture)

pytestmark = pytest.mark.django_db
NGINX = "10.0.0.2"


def test_behind_the_proxy_one_residents_limit_does_not_block_another(
    client,
    station,
    service_a,
    workday,
    settings,
    codes,  # noqa: F811
):
    settings.TRUSTED_PROXIES = [NGINX]
    settings.DESK_PUBLIC_PER_MINUTE = 2
    resident_a = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": "223.104.1.1"}
    resident_b = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": "223.104.2.2"}
    for i in range(2):
        client.defaults.update(resident_a)
        start(client, station, service_a, workday, phone=f"1380013800{i}")
    assert start(client, station, service_a, workday, phone="13800138008").status_code == 429
    client.defaults.update(resident_b)
    assert start(client, station, service_a, workday, phone="13800138009").status_code == 302
    assert PublicHit.objects.filter(key__contains="223.104.1.1").exists()


def test_a_forged_forwarded_for_from_anyone_else_does_not_escape_the_limit(
    client,
    station,
    service_a,
    workday,
    settings,
    codes,  # noqa: F811
):
    settings.TRUSTED_PROXIES = [NGINX]
    settings.DESK_PUBLIC_PER_MINUTE = 2
    for i in range(3):
        client.defaults.update(
            {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": f"198.51.100.{i}"}
        )
        response = start(client, station, service_a, workday, phone=f"1380013800{i}")
    assert response.status_code == 429
