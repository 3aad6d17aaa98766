"""责任人 lists the people who can be responsible for the file, in the file's station (issue 24): not
the auditor, the administrator, another station's officers; posting anyone else is refused; the
select has a search box (app.js, a plain <select> underneath)."""

import re

import pytest
from django.urls import reverse

from fengqiao.accounts.choices import Role
from fengqiao.disputes import services
from fengqiao.disputes.models import Dispute
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(station, other_station):
    make = UserFactory
    return {
        "auditor": make(username="sj", full_name="沈洁", role=Role.AUDITOR, station=station),
        "admin": make(username="fx", full_name="付晓东", role=Role.ADMIN, station=station),
        "case": make(username="gp", full_name="郭鹏", role=Role.CASE_OFFICER, station=station),
        "mediator": make(username="fan", full_name="范贤成", role=Role.MEDIATOR, station=station),
        "aux": make(username="zx", full_name="赵轩", role=Role.AUXILIARY, station=station),
        "away": make(
            username="qx", full_name="清溪民警", role=Role.COMMUNITY_OFFICER, station=other_station
        ),
        "gone": make(
            username="old",
            full_name="已调离",
            role=Role.CASE_OFFICER,
            station=station,
            is_active=False,
        ),
    }


def _options(html, name):
    m = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert m, name
    return re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", m.group(1)), m.group(0)


def test_owner_select_lists_only_officers_of_the_files_station_with_search(
    register, bob, alice, staff, client
):
    from fengqiao.disputes.models import MediationChannel

    dispute = register(bob, narrative="被申请人扬言拼命", owner=bob)  # red: the plan form shows
    services.dispute_accept(
        actor=bob, dispute=dispute, channel=MediationChannel.objects.get(code="studio")
    )
    client.force_login(alice)
    html = client.get(dispute.get_absolute_url()).content.decode()
    owners, select = _options(html, "owner")
    assert set(owners) == {"艾丽", "鲍勃", "郭鹏"}
    assert "data-search=" in select and "请选择" in select and "---------" not in html
    mediators, _s = _options(html, "mediator")
    assert "范贤成" in mediators and "沈洁" not in mediators and "付晓东" not in mediators
    responsible, _s = _options(html, "measure-0-responsible")
    assert "赵轩" in responsible and "沈洁" not in responsible and "清溪民警" not in responsible


def test_posting_someone_who_cannot_be_owner_is_refused_and_nothing_changes(
    register, bob, alice, staff, client
):
    dispute = register(bob, owner=bob)
    client.force_login(alice)
    for who in ("auditor", "admin", "away", "gone"):
        client.post(
            reverse("disputes:dispute_edit", args=[dispute.pk]),
            {"narrative": dispute.narrative, "owner": staff[who].pk},
        )
        assert Dispute.objects.get(pk=dispute.pk).owner == bob, who


def test_the_service_refuses_an_owner_who_cannot_hold_the_file(register, bob, staff):
    from django.core.exceptions import ValidationError

    dispute = register(bob, owner=bob)
    with pytest.raises(ValidationError, match="本所民警"):
        services.dispute_update(actor=bob, dispute=dispute, owner=staff["auditor"])
    with pytest.raises(ValidationError, match="本所民警"):
        register(bob, owner=staff["away"])
    services.dispute_update(actor=bob, dispute=dispute, owner=staff["case"])
    assert Dispute.objects.get(pk=dispute.pk).owner == staff["case"]


@pytest.mark.parametrize(
    ("url_name", "data", "anchor", "message"),
    [
        (
            "disputes:dispute_level",
            {"level": "orange", "reason": ""},
            "level",
            "调整等级必须填写理由",
        ),
        ("disputes:party_add", {"party-0-name": ""}, "parties", "当事人姓名必填"),
        ("disputes:dispute_accept", {"channel": ""}, "mediation", ""),
        (
            "disputes:dispute_edit",
            {"narrative": "x", "owner": "999999"},
            "facts",
            "责任人须为本所民警",
        ),
    ],
)
def test_a_refused_form_shows_its_error_next_to_itself(
    register, bob, client, url_name, data, anchor, message
):
    """Issue 24: the error is in the failed form's own section (and the page lands there), not at the
    top of a long page."""
    dispute = register(bob, owner=bob)
    client.force_login(bob)
    r = client.post(reverse(url_name, args=[dispute.pk]), data)
    assert r.status_code == 302 and r["Location"].endswith(f"#{anchor}")
    html = client.get(r["Location"]).content.decode()
    alert = html.find('<ul class="messages" role="alert">')
    assert alert != -1, "no error next to the form"
    assert html.rfind(f'id="{anchor}"', 0, alert) != -1
    assert message in html[alert : alert + 400]
    top = html[: html.find("<main") if "<main" in html else 0]
    assert message not in top or not message


def test_the_red_board_and_the_board_are_paged(register, bob, alice, client):
    """Issue 24: long lists are paged (the red board shows 20 cards a page)."""
    for i in range(23):
        register(bob, narrative=f"第{i}起 被申请人扬言拼命", owner=bob)
    assert Dispute.objects.filter(level="red").count() == 23
    client.force_login(alice)
    first = client.get(reverse("disputes:red_board")).content.decode()
    assert 'class="pager"' in first and "第 1 / 2 页" in first
    second = client.get(reverse("disputes:red_board"), {"page": 2}).content.decode()
    refs = set(re.findall(r"JF-\d{4}-\d+", first))
    assert refs and not refs & set(re.findall(r"JF-\d{4}-\d+", second))
    assert len(refs) == 20 and len(set(re.findall(r"JF-\d{4}-\d+", second))) == 3
    board = client.get(reverse("disputes:board")).content.decode()
    assert 'id="board-files"' in board


def test_a_county_user_is_not_offered_a_register_button(client, login, station):
    from tests.factories import UserFactory

    bureau = UserFactory(role="bureau", station=None, bureau=station.bureau)
    login(client, bureau)
    page = client.get("/disputes/").content.decode()
    assert "/disputes/new/" not in page
