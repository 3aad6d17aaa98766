"""Pages: scoping (alice leader, bob community officer of A, charlie other station), forms keep
their input and say why, a person's movements only with a reason (recorded)."""

import datetime as dt

import pytest
from django.urls import reverse

from fengqiao.core.models import PersonalDataAccess
from fengqiao.estates import services
from fengqiao.estates.models import AccessDevice, Credential, Gate, RegistrationTask
from tests.estates import factories
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev(gate):
    return factories.device(gate)


def test_estate_pages_for_each_user(dev, estate, alice_client, client, bob, charlie, login):
    factories.events(dev, subject="900", days=(0,))
    for url in (reverse("estates:estate_list"), estate.get_absolute_url(), reverse("estates:device_list"),
                reverse("estates:task_list"), reverse("estates:event_search")):  # fmt: skip
        assert alice_client.get(url).status_code == 200
    page = alice_client.get(estate.get_absolute_url()).content.decode()
    assert "百草苑小区" in page and "estate-traffic-data" in page and "在线" in page
    assert (
        alice_client.get(reverse("estates:estates_json")).json()["estates"][0]["name"]
        == "百草苑小区"
    )
    login(client, charlie)
    assert client.get(estate.get_absolute_url()).status_code == 404
    assert client.get(reverse("estates:estates_json")).json() == {"estates": []}


def test_a_liaison_is_refused(client, login, station):
    liaison = UserFactory(username="lia", role="liaison", station=station)
    login(client, liaison)
    assert client.get(reverse("estates:estate_list")).status_code == 403


def test_gate_and_credential_forms(bob_client, estate, community_a):
    response = bob_client.post(
        reverse("estates:gate_create", args=[estate.pk]),
        {"name": "西门", "kind": "pedestrian"},
        follow=True,
    )
    assert "门岗已添加" in response.content.decode()
    response = bob_client.post(
        reverse("estates:gate_create", args=[estate.pk]),
        {"name": "西门", "kind": "pedestrian"},
        follow=True,
    )
    assert "已有名为" in response.content.decode() and Gate.objects.filter(name="西门").count() == 1
    person = PersonFactory(community=community_a, station=community_a.station)
    response = bob_client.post(reverse("estates:credential_create", args=[estate.pk]),
                               {"holder_no": "00042", "kind": "card", "card_no": "123", "id_number": person.id_number}, follow=True)  # fmt: skip
    assert "凭证已登记" in response.content.decode()
    assert Credential.objects.get(holder_no="00042").person == person
    response = bob_client.post(reverse("estates:credential_create", args=[estate.pk]),
                               {"holder_no": "00043", "id_number": "511123199001011234"}, follow=True)  # fmt: skip
    assert (
        "未在一标三实中登记" in response.content.decode()
        and not Credential.objects.filter(holder_no="00043").exists()
    )


def test_community_officer_of_another_community_cannot_edit(
    client, login, estate, alice, community_b
):
    eve = UserFactory(username="eve", role="community_officer", station=alice.station)
    community_b.officers.add(eve)
    login(client, eve)
    assert (
        client.post(reverse("estates:gate_create", args=[estate.pk]), {"name": "西门"}).status_code
        == 403
    )


def test_event_search_for_one_person_needs_a_reason_and_is_recorded(dev, estate, bob_client):
    factories.events(dev, subject="900", days=(0, 1))
    url = reverse("estates:event_search")
    response = bob_client.get(url, {"estate": estate.pk, "subject": "900"})
    assert response.status_code == 400 and "事由" in response.content.decode()
    assert PersonalDataAccess.objects.count() == 0
    response = bob_client.get(
        url, {"estate": estate.pk, "subject": "900", "reason": "核查盗窃线索"}
    )
    assert response.status_code == 200 and "共 2 条" in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert access.purpose == "核查盗窃线索" and "900" in access.object_repr
    assert bob_client.get(url, {"estate": estate.pk}).status_code == 200
    assert (
        PersonalDataAccess.objects.count() == 1
    )  # an estate-wide search is not one person's movements
    assert bob_client.get(url, {"from": "not a date"}).status_code == 400


def test_task_pages_register_and_dismiss(dev, estate, bob_client, community_a):
    factories.events(dev, subject="900", days=(0, 4, 9))
    factories.events(dev, subject="901", days=(0, 4, 9))
    services.tasks_detect()
    t900, t901 = RegistrationTask.objects.order_by("subject")
    assert "900" in bob_client.get(reverse("estates:task_list")).content.decode()
    assert bob_client.get(t900.get_absolute_url()).status_code == 200
    response = bob_client.post(
        reverse("estates:task_register", args=[t900.pk]), {"id_number": ""}, follow=True
    )
    assert "证件号码" in response.content.decode()
    person = PersonFactory(community=community_a, station=community_a.station)
    bob_client.post(
        reverse("estates:task_register", args=[t900.pk]), {"id_number": person.id_number}
    )
    t900.refresh_from_db()
    assert t900.status == "registered"
    response = bob_client.post(
        reverse("estates:task_dismiss", args=[t901.pk]), {"reason": "x"}, follow=True
    )
    assert "至少 4 个字" in response.content.decode()
    bob_client.post(reverse("estates:task_dismiss", args=[t901.pk]), {"reason": "快递员临时通行卡"})
    t901.refresh_from_db()
    assert t901.status == "dismissed"


def test_pending_terminal_is_listed_and_assigned(alice_client, gate):
    pending = AccessDevice.objects.create(vendor="zkteco", identifier="CJDE0001", status="pending")
    page = alice_client.get(reverse("estates:device_list"), {"status": "pending"}).content.decode()
    assert "CJDE0001" in page and "接入" in page
    alice_client.post(reverse("estates:device_assign", args=[pending.pk]), {"gate": gate.pk})
    pending.refresh_from_db()
    assert pending.status == "active" and pending.gate == gate


def test_new_estate_form_keeps_the_input_and_says_why(bob_client, community_a, community_b):
    from fengqiao.estates.models import Estate

    url = reverse("estates:estate_create")
    assert bob_client.get(url).status_code == 200
    response = bob_client.post(
        url,
        {
            "community": community_a.pk,
            "name": "书院街小区",
            "latitude": "29.2",
            "built_year": "1988",
        },
    )
    assert (
        response.status_code == 400
        and "经纬度" in response.content.decode()
        and 'value="书院街小区"' in response.content.decode()
    )
    response = bob_client.post(url, {"community": community_b.pk, "name": "别人的小区"})
    assert (
        response.status_code == 400 and not Estate.objects.exists()
    )  # not bob's community: not offered
    response = bob_client.post(url, {"community": community_a.pk, "name": "书院街小区", "latitude": "29.2", "longitude": "103.9",
                                     "households": "120", "built_year": "1988"})  # fmt: skip
    estate = Estate.objects.get()
    assert (
        response.status_code == 302
        and estate.built_year == 1988
        and estate.community == community_a
    )
    response = bob_client.post(url, {"community": community_a.pk, "name": "书院街小区"})
    assert response.status_code == 400 and "已有名为" in response.content.decode()


def test_edit_estate_and_its_thresholds(bob_client, estate, charlie, login):
    url = reverse("estates:estate_edit", args=[estate.pk])
    assert 'value="百草苑小区"' in bob_client.get(url).content.decode()
    response = bob_client.post(
        url, {"name": "百草苑小区", "unregistered_days": "20", "unregistered_window": "14"}
    )
    assert response.status_code == 400 and "不能大于统计窗口" in response.content.decode()
    response = bob_client.post(
        url,
        {
            "name": "百草苑小区",
            "unregistered_days": "2",
            "unregistered_window": "7",
            "households": "330",
        },
    )
    assert response.status_code == 302
    estate.refresh_from_db()
    assert (estate.unregistered_days, estate.unregistered_window, estate.households) == (2, 7, 330)
    login(bob_client, charlie)
    assert bob_client.get(url).status_code == 404


def test_closing_a_task_as_registered_registers_the_person_in_the_same_flow(
    dev, estate, bob_client, bob, community_a
):
    """Issue 24: a visitor not in the registry is registered there (sex and birth date from the ID
    number, through the registry's own service) and linked; the event is published once."""
    from django.test import TestCase

    from fengqiao.core import events
    from fengqiao.registry.models import Person
    from tests.factories import make_id_number

    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    task = RegistrationTask.objects.get()
    number = make_id_number(7, birth=dt.date(1990, 5, 6), male=False)
    seen = []
    events.subscribe("estate.task_registered", seen.append)
    try:
        # no name for a number not in the registry: refused next to the form, input kept, nothing saved
        r = bob_client.post(
            reverse("estates:task_register", args=[task.pk]),
            {"id_number": number, "phone": "13812345678"},
        )
        html = r.content.decode()
        assert r.status_code == 400 and "请填写姓名" in html and 'value="13812345678"' in html
        assert (
            html.index('id="register-form"')
            < html.index("请填写姓名")
            < html.index('name="id_number"')
        )
        assert not Person.objects.filter(id_number=number).exists()
        with TestCase.captureOnCommitCallbacks(execute=True):
            r = bob_client.post(
                reverse("estates:task_register", args=[task.pk]),
                {
                    "id_number": number,
                    "name": "王芳",
                    "phone": "13812345678",
                    "category": "floating",
                    "inflow_reason": "work",
                },
            )
        assert r.status_code == 302
    finally:
        events.unsubscribe("estate.task_registered", seen.append)
    person = Person.objects.get(id_number=number)
    assert (person.name, person.sex, person.birth_date) == ("王芳", "F", dt.date(1990, 5, 6))
    assert person.community == community_a and person.category == "floating"
    task.refresh_from_db()
    assert task.status == "registered" and task.person == person
    assert task.credential.person == person
    assert [(e.name, e["created"], e["person_id"]) for e in seen] == [
        ("estate.task_registered", True, person.pk)
    ]


def test_a_task_for_someone_already_registered_links_them_without_a_duplicate(
    dev, estate, bob, community_a
):
    from fengqiao.registry.models import Person

    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    task = RegistrationTask.objects.get()
    person = PersonFactory(community=community_a, station=community_a.station)
    _task, linked, created = services.task_register_person(
        actor=bob, task=task, id_number=person.id_number.lower(), name="别名"
    )
    assert linked == person and created is False
    assert Person.objects.filter(id_number=person.id_number).count() == 1


def test_someone_who_may_not_act_on_the_task_registers_nobody(dev, estate, charlie):
    from django.core.exceptions import PermissionDenied

    from fengqiao.registry.models import Person
    from tests.factories import make_id_number

    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    task = RegistrationTask.objects.get()
    number = make_id_number(9)
    with pytest.raises(PermissionDenied):
        services.task_register_person(actor=charlie, task=task, id_number=number, name="某人")
    assert not Person.objects.filter(id_number=number).exists()
