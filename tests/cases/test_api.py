"""/api/cases/: the same scoping as the pages, each step by POST, refusals as 400/403 in Chinese."""

import pytest
from rest_framework.test import APIClient

from fengqiao.cases import services as s
from fengqiao.cases.models import Case, OffenceType, RedLineFlag

from .conftest import at

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def case(travel, open_case):
    travel(at(2026, 3, 2, 10, 0))
    return open_case()


def test_list_and_retrieve_are_scoped(case, alice, charlie, bob):
    body = api(alice).get("/api/cases/").json()
    assert body["count"] == 1 and body["results"][0]["reference"] == case.reference
    assert api(charlie).get("/api/cases/").json()["count"] == 0
    assert api(charlie).get(f"/api/cases/{case.pk}/").status_code == 404
    assert api(charlie).post(f"/api/cases/{case.pk}/accept/").status_code == 404
    assert api(bob).get(f"/api/cases/{case.pk}/").status_code == 200
    response = api(bob).post(f"/api/cases/{case.pk}/accept/")
    assert response.status_code == 403


def test_open_accept_party_work_close_by_api(travel, alice, officer, officer2):
    travel(at(2026, 3, 2, 10, 0))
    offence = OffenceType.objects.get(code="ZA-OD")
    client = api(officer)
    response = client.post(
        "/api/cases/",
        {
            "kind": "administrative",
            "offence": offence.pk,
            "title": "殴打案",
            "lead_officer": officer.pk,
            "second_officer": officer2.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert client.post(f"/api/cases/{pk}/accept/", {}, format="json").status_code == 200
    response = client.post(
        f"/api/cases/{pk}/parties/",
        {"role": "victim", "name": "张三", "phone": "13812345678"},
        format="json",
    )
    assert (
        response.json()["parties"][0]["phone"] == "138****5678"
        and response.json()["parties"][0]["name"] == "张*"
    )
    response = client.post(
        f"/api/cases/{pk}/work/",
        {"kind": "interview", "note": "询问", "officer": officer.pk},
        format="json",
    )
    assert response.status_code == 400 and "两名民警" in str(response.json())
    response = client.post(
        f"/api/cases/{pk}/work/",
        {"kind": "interview", "note": "询问", "officer": officer.pk, "second_officer": officer2.pk},
        format="json",
    )
    assert response.status_code == 200
    response = client.post(f"/api/cases/{pk}/close/", {"summary": "调解结案"}, format="json")
    assert response.status_code == 200 and response.json()["status_display"] == "已结案"


def test_bad_input_is_refused_with_nothing_written(case, officer):
    client = api(officer)
    response = client.post(
        f"/api/cases/{case.pk}/accept/", {"at": "2026-03-09T10:00:00+08:00"}, format="json"
    )
    assert response.status_code == 400 and "不能晚于当前时间" in str(response.json())
    assert (
        client.post(f"/api/cases/{case.pk}/accept/", {"color": "red"}, format="json").status_code
        == 400
    )
    response = client.post(
        "/api/cases/",
        {
            "kind": "criminal",
            "offence": OffenceType.objects.get(code="ZA-OD").pk,
            "title": "x",
            "lead_officer": officer.pk,
            "second_officer": officer.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.status == "review"


def test_flags_by_api(travel, case, station, alice, manager, charlie):
    travel(at(2026, 3, 3, 11, 0))
    [flag] = s.flags_sync(station=station)
    assert api(alice).get("/api/cases/flags/?status=open").json()["count"] == 1
    assert api(charlie).get(f"/api/cases/flags/{flag.pk}/").status_code == 404
    response = api(manager).post(
        f"/api/cases/flags/{flag.pk}/close/", {"note": "已整改"}, format="json"
    )
    assert response.status_code == 400 and "问题仍然存在" in str(response.json())
    assert (
        api(alice)
        .post(f"/api/cases/flags/{flag.pk}/explain/", {"note": "当事人未到"}, format="json")
        .status_code
        == 200
    )
    s.case_accept(actor=alice, case=case)
    assert (
        api(manager)
        .post(f"/api/cases/flags/{flag.pk}/close/", {"note": "已受理"}, format="json")
        .status_code
        == 200
    )
    assert RedLineFlag.objects.get().status == "closed"


def test_weekly_by_api(travel, case, station, alice, charlie):
    travel(at(2026, 3, 6, 18, 0))
    import datetime as dt

    s.weekly_generate(station=station, monday=dt.date(2026, 3, 2))
    assert (
        api(alice).get("/api/cases/weekly/").json()["results"][0]["data"]["totals"]["received"] == 1
    )
    assert api(charlie).get("/api/cases/weekly/").json()["count"] == 0


def test_measures_items_penalty_and_extensions_by_api(
    travel, case, alice, officer, officer2, leader2
):
    client = api(officer)
    travel(at(2026, 3, 2, 11, 0))
    assert client.post(f"/api/cases/{case.pk}/accept/", {}, format="json").status_code == 200
    body = client.post(
        f"/api/cases/{case.pk}/parties/", {"role": "suspect", "name": "王五"}, format="json"
    ).json()
    suspect = body["parties"][0]["id"]
    assert (
        client.post(
            f"/api/cases/{case.pk}/measures/", {"kind": "summons", "party": suspect}, format="json"
        ).status_code
        == 200
    )
    measure = case.measures.get()
    assert (
        client.post(
            f"/api/cases/{case.pk}/items/",
            {
                "description": "木棍一根",
                "location": "物证室",
                "handled_by": officer.pk,
                "checked_by": officer.pk,
            },
            format="json",
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/api/cases/{case.pk}/items/",
            {
                "description": "木棍一根",
                "location": "物证室",
                "handled_by": officer.pk,
                "checked_by": officer2.pk,
            },
            format="json",
        ).status_code
        == 200
    )
    from fengqiao.core.services import clocks_for

    summons = clocks_for(measure).get()
    assert (
        client.post(
            f"/api/cases/{case.pk}/extend/",
            {"clock": summons.pk, "option": "detention_possible", "reason": "可能行政拘留"},
            format="json",
        ).status_code
        == 200
    )
    ext = summons.extensions.get()
    response = api(officer).post(
        f"/api/cases/{case.pk}/decide_extension/",
        {"extension": ext.pk, "approve": True},
        format="json",
    )
    assert response.status_code == 403
    assert (
        api(leader2)
        .post(
            f"/api/cases/{case.pk}/decide_extension/",
            {"extension": ext.pk, "approve": True},
            format="json",
        )
        .status_code
        == 200
    )
    response = client.post(f"/api/cases/{case.pk}/close/", {"summary": "结案"}, format="json")
    assert response.status_code == 400 and "强制措施" in str(response.json())
    assert (
        client.post(
            f"/api/cases/{case.pk}/measure_end/",
            {"measure": measure.pk, "outcome": "询问完毕"},
            format="json",
        ).status_code
        == 200
    )
    item = case.items.get()
    assert (
        client.post(
            f"/api/cases/{case.pk}/item_move/",
            {
                "item": item.pk,
                "kind": "return",
                "location": "发还",
                "handled_by": officer.pk,
                "checked_by": officer2.pk,
            },
            format="json",
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/cases/{case.pk}/penalty/",
            {"penalty_kind": "fine", "text": "罚款200元", "mode": "present"},
            format="json",
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/cases/{case.pk}/penalty_execute/", {"note": "已缴"}, format="json"
        ).status_code
        == 200
    )
    assert (
        client.post(f"/api/cases/{case.pk}/close/", {"summary": "结案"}, format="json").json()[
            "status_display"
        ]
        == "已结案"
    )


# ------------------------------------------------------------------ issue 19: schemathesis' 500s


def test_appraisal_without_a_note_is_a_400_in_chinese(travel, case, officer):
    client = api(officer)
    travel(at(2026, 3, 2, 11, 0))
    assert client.post(f"/api/cases/{case.pk}/accept/", {}, format="json").status_code == 200
    response = client.post(f"/api/cases/{case.pk}/appraisal_start/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"note": ["请填写鉴定事项"]}
    case.refresh_from_db()
    assert not case.in_appraisal


@pytest.mark.parametrize("step", ["measure_step", "measure_end"])
@pytest.mark.parametrize("measure", [0, 999999])
def test_a_measure_number_of_no_measure_of_the_case_is_a_400(travel, case, officer, step, measure):
    client = api(officer)
    travel(at(2026, 3, 2, 11, 0))
    body = (
        {"measure": measure, "step": "custody"}
        if step == "measure_step"
        else {"measure": measure, "outcome": "解除"}
    )
    response = client.post(f"/api/cases/{case.pk}/{step}/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"measure": ["不属于该案件"]}
