"""Pages: scoping (alice / bob / charlie), the main flow by POSTs, bad input, the case room and the weekly page."""

import pytest
from django.urls import reverse

from fengqiao.cases import services as s
from fengqiao.cases.models import Case, RedLineFlag, WeeklySummary
from fengqiao.incidents.models import IncidentCategory
from fengqiao.incidents.services import incident_receive

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(travel, open_case):
    travel(at(2026, 3, 2, 10, 0))
    return open_case()


def test_list_and_detail_are_station_scoped(case, alice_client, login, client, charlie, bob):
    assert case.reference in alice_client.get(reverse("cases:case_list")).content.decode()
    assert alice_client.get(case.get_absolute_url()).status_code == 200
    client.logout()
    login(client, charlie)
    assert case.reference not in client.get(reverse("cases:case_list")).content.decode()
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.post(reverse("cases:case_action", args=[case.pk, "accept"])).status_code == 404
    client.logout()
    login(client, bob)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "您不是本案的办案民警" in page
    assert client.post(reverse("cases:case_action", args=[case.pk, "accept"])).status_code == 403
    case.refresh_from_db()
    assert case.status == "review"


def test_the_handling_officer_acts_through_the_page(case, client, login, officer, officer2):
    login(client, officer)
    response = client.post(reverse("cases:case_action", args=[case.pk, "accept"]))
    assert response.status_code == 302
    client.post(
        reverse("cases:case_action", args=[case.pk, "party"]),
        {"role": "suspect", "name": "王五", "id_number": "", "phone": "13912345678"},
    )
    page = client.get(case.get_absolute_url()).content.decode()
    assert "王*" in page and "139****5678" in page and "13912345678" not in page
    response = client.post(
        reverse("cases:case_action", args=[case.pk, "work"]),
        {"kind": "interview", "note": "询问被害人", "officer": officer.pk, "second_officer": ""},
    )
    assert response.status_code == 400 and "两名民警" in response.content.decode()
    response = client.post(
        reverse("cases:case_action", args=[case.pk, "work"]),
        {
            "kind": "interview",
            "note": "询问被害人",
            "officer": officer.pk,
            "second_officer": officer2.pk,
        },
    )
    assert response.status_code == 302
    assert case.actions.count() == 1


def test_a_future_date_on_the_page_is_refused(case, client, login, officer):
    login(client, officer)
    response = client.post(
        reverse("cases:case_action", args=[case.pk, "accept"]), {"at": "2026-03-09T10:00"}
    )
    assert response.status_code == 400 and "不能晚于当前时间" in response.content.decode()
    response = client.post(reverse("cases:case_action", args=[case.pk, "accept"]), {"at": "昨天"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == "review"


def test_closing_with_an_unreturned_item_shows_why(case, client, login, officer, officer2, alice):
    s.case_accept(actor=alice, case=case)
    s.item_register(
        actor=alice,
        case=case,
        description="手机一部",
        location="物证室",
        handled_by=officer,
        checked_by=officer2,
    )
    login(client, officer)
    response = client.post(
        reverse("cases:case_action", args=[case.pk, "close"]), {"summary": "结案"}
    )
    assert response.status_code == 400 and "手机一部" in response.content.decode()


def test_opening_a_case_from_the_unfiled_list(
    travel, station, alice, alice_client, officer, officer2
):
    travel(at(2026, 3, 2, 10, 0))
    incident = incident_receive(
        actor=alice,
        station=station,
        category=IncidentCategory.objects.get(code="ZA-DO"),
        caller_name="张三",
        location="西街8号",
        received_at=at(2026, 3, 1, 8, 0),
    )
    page = alice_client.get(reverse("cases:unfiled_list")).content.decode()
    assert incident.reference in page and 'id="unfiled-overdue"' in page
    url = reverse("cases:case_from_incident", args=[incident.pk])
    form = alice_client.get(url).content.decode()
    assert "殴打他人" in form
    from fengqiao.cases.models import OffenceType

    response = alice_client.post(
        url,
        {
            "kind": "administrative",
            "offence": OffenceType.objects.get(code="ZA-OD").pk,
            "title": "西街8号殴打他人案",
            "lead_officer": officer.pk,
            "second_officer": officer2.pk,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    incident.refresh_from_db()
    assert incident.case_reference == case.reference
    assert (
        incident.reference not in alice_client.get(reverse("cases:unfiled_list")).content.decode()
    )


def test_the_same_officer_twice_is_refused_on_the_form(alice_client, officer):
    from fengqiao.cases.models import OffenceType

    response = alice_client.post(
        reverse("cases:case_create"),
        {
            "kind": "administrative",
            "offence": OffenceType.objects.get(code="ZA-OD").pk,
            "title": "案",
            "lead_officer": officer.pk,
            "second_officer": officer.pk,
        },
    )
    assert response.status_code == 400 and "两名不同的民警" in response.content.decode()
    assert not Case.objects.exists()


def test_the_case_room_detects_on_load_and_shows_warnings(
    travel, case, alice, client, login, charlie
):
    travel(at(2026, 3, 3, 11, 0))
    alice_client = login(client, alice)
    page = alice_client.get(reverse("cases:room")).content.decode()
    assert RedLineFlag.objects.filter(case=case, kind="overdue").exists()
    assert case.reference in page and "badge-red" in page
    client.logout()
    login(client, charlie)
    page = client.get(reverse("cases:room")).content.decode()
    assert case.reference not in page and 'id="no-flags"' in page


def test_the_board_shows_the_50_and_80_percent_warnings(travel, case, alice, client, login):
    travel(at(2026, 3, 2, 22, 30))  # 12.5 of 24 hours
    page = login(client, alice).get(reverse("cases:room")).content.decode()
    assert "level-yellow" in page
    travel(at(2026, 3, 3, 6, 0))  # 20 of 24 hours
    client.logout()
    response = login(client, alice).get(reverse("cases:room"))
    assert response.status_code == 200, response
    page = response.content.decode()
    assert "level-orange" in page


def test_extension_approval_page_refuses_the_requester(
    travel, case, alice, alice_client, leader2, client, login
):
    from fengqiao.core.services import clocks_for

    clock = clocks_for(case).get()
    ext = s.extension_request(
        actor=alice, case=case, clock=clock, option_key="difficult", reason="疑难"
    )
    response = alice_client.post(reverse("cases:extension_decide", args=[ext.pk, "approve"]))
    assert response.status_code == 403 and "本人" in response.content.decode()
    client.logout()
    login(client, leader2)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "批准" in page and "依据" in page
    assert (
        client.post(reverse("cases:extension_decide", args=[ext.pk, "approve"])).status_code == 302
    )
    ext.refresh_from_db()
    assert ext.decision == "approved"


def test_weekly_page_generate_and_download(travel, case, client, login, manager, bob):
    travel(at(2026, 3, 6, 18, 0))
    login(client, bob)
    assert client.post(reverse("cases:weekly"), {"week": "2026-03-02"}).status_code == 403
    client.logout()
    login(client, manager)
    response = client.post(reverse("cases:weekly"), {"week": "2026-03-04"})
    summary = WeeklySummary.objects.get()
    assert response.status_code == 302 and summary.week_start.isoformat() == "2026-03-02"
    page = client.get(summary.get_absolute_url()).content.decode()
    assert 'id="weekly-data"' in page and "weekly-charts.js" in page
    docx = client.get(reverse("cases:weekly_download", args=[summary.pk, "docx"]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    xlsx = client.get(reverse("cases:weekly_download", args=[summary.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_offence_table_is_edited_by_administrators_only(alice_client, client, login, rules_admin):
    assert alice_client.get(reverse("cases:offence_list")).status_code == 200
    assert (
        alice_client.post(
            reverse("cases:offence_list"), {"code": "ZA-X", "name": "x", "kind": "administrative"}
        ).status_code
        == 403
    )
    client.logout()
    login(client, rules_admin)
    response = client.post(
        reverse("cases:offence_list"),
        {"code": "za-py", "name": "嫖娼", "kind": "administrative", "active": "on", "sort": 50},
    )
    assert response.status_code == 302
    from fengqiao.cases.models import OffenceType

    assert OffenceType.objects.get(code="ZA-PY").name == "嫖娼"
    response = client.post(
        reverse("cases:offence_list"), {"code": "ZA-PY", "name": "重复", "kind": "administrative"}
    )
    assert response.status_code == 400 and "已存在" in response.content.decode()


def test_the_county_bureau_reads_but_does_not_act(case, client, login, bureau_user):
    login(client, bureau_user)
    assert case.reference in client.get(reverse("cases:case_list")).content.decode()
    assert client.get(case.get_absolute_url()).status_code == 200
    assert client.post(reverse("cases:case_action", args=[case.pk, "accept"])).status_code == 403
    assert client.get(reverse("cases:room")).status_code == 200


def test_english_page_and_refusal(case, client, login, officer):
    login(client, officer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Time limits" in page and "Legal basis" in page
    response = client.post(reverse("cases:case_action", args=[case.pk, "close"]), {"summary": ""})
    assert response.status_code == 400 and "cannot close" in response.content.decode().lower()


def test_refusal_to_file_then_notice_served_through_the_page(
    travel, open_case, client, login, officer, alice
):
    travel(at(2026, 3, 2, 10, 0))
    case = open_case(kind="criminal")
    login(client, officer)
    client.post(reverse("cases:case_action", args=[case.pk, "refuse"]), {"reason": "不构成犯罪"})
    page = client.get(reverse("cases:room")).content.decode()
    assert case.reference in page and "不予立案通知书送达" in page
    page = client.get(case.get_absolute_url()).content.decode()
    assert "不予立案通知书已送达" in page and 'id="work-form"' not in page
    assert (
        client.post(reverse("cases:case_action", args=[case.pk, "serve_notice"])).status_code == 302
    )
    assert (
        client.post(
            reverse("cases:case_action", args=[case.pk, "close"]), {"summary": "不予立案"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == "closed"
