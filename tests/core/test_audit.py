"""The change log: every create, update and delete is written, shown on the record, and searchable by auditors."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fengqiao.accounts.choices import Role
from fengqiao.core import context
from fengqiao.core.audit import history_for, log_bulk
from fengqiao.core.models import ChangeAction, ObjectChange, PersonalDataAccess
from fengqiao.registry import services
from fengqiao.registry.models import Person
from tests.factories import AddressFactory, CommunityFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_is_logged_with_after_and_user_name(alice, community_a):
    with context.acting_as(alice, source="test"):
        person = PersonFactory(community=community_a, name="新居民")
    change = history_for(person).get()
    assert change.action == ChangeAction.CREATE
    assert change.before is None and change.after["name"] == "新居民"
    assert change.user == alice and change.user_name == "艾丽" and change.source == "test"
    assert change.station_id == community_a.station_id


def test_update_is_logged_with_before_and_after(alice, community_a):
    person = PersonFactory(community=community_a, phone="13800000001")
    with context.acting_as(alice):
        services.person_update(actor=alice, person=person, phone="13800000002")
    change = history_for(person).filter(action=ChangeAction.UPDATE).get()
    assert change.before["phone"] == "13800000001" and change.after["phone"] == "13800000002"
    assert change.user_name == "艾丽"


def test_save_without_change_writes_no_entry(community_a):
    address = AddressFactory(community=community_a)
    address.save()
    assert history_for(address).count() == 1


def test_delete_is_logged_with_before(alice, community_a):
    person = PersonFactory(community=community_a, name="迁出者")
    pk = person.pk
    with context.acting_as(alice):
        person.delete()
    change = ObjectChange.objects.get(object_id=pk, action=ChangeAction.DELETE)
    assert change.before["name"] == "迁出者" and change.after is None and change.user_name == "艾丽"


def test_bulk_write_logged_through_log_bulk(alice, community_a):
    people = [
        PersonFactory.build(community=community_a, station=community_a.station) for _ in range(3)
    ]
    for p in people:
        p.name_initials = "x"
    created = Person.objects.bulk_create(people)
    log_bulk(created, ChangeAction.CREATE, actor=alice, source="import")
    assert (
        ObjectChange.objects.filter(
            action=ChangeAction.CREATE, source="import", user_name="艾丽"
        ).count()
        == 3
    )


def test_detail_timeline_shows_field_label_and_before_after(alice_client, alice, community_a):
    person = PersonFactory(community=community_a, ethnicity="汉族")
    with context.acting_as(alice):
        services.person_update(actor=alice, person=person, ethnicity="彝族")
    content = alice_client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "民族" in content and "<del>汉族</del>" in content and "<ins>彝族</ins>" in content


def test_timeline_masks_personal_data(alice_client, alice, community_a):
    person = PersonFactory(community=community_a, phone="13800000001")
    with context.acting_as(alice):
        services.person_update(actor=alice, person=person, phone="13911112222")
    content = alice_client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "13911112222" not in content and "139****2222" in content


def test_timeline_shows_choice_labels(alice_client, alice, community_a):
    person = PersonFactory(community=community_a)
    with context.acting_as(alice):
        services.person_update(actor=alice, person=person, relation="spouse")
    assert (
        "<ins>配偶</ins>"
        in alice_client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    )


# ----------------------------------------------------------------------------- the auditor's change log page


@pytest.fixture
def auditor(station):
    return UserFactory(username="audrey", full_name="审计甲", role=Role.AUDITOR, station=station)


@pytest.fixture
def logged(alice, charlie, community_a, other_station):
    """A change in alice's station and one in charlie's."""
    with context.acting_as(alice, request_id="req-alice-0001"):
        ours = PersonFactory(community=community_a, name="本所居民")
    with context.acting_as(charlie, request_id="req-charlie-001"):
        theirs = PersonFactory(community=CommunityFactory(station=other_station), name="他所居民")
    return ours, theirs


def reprs(response, model="person"):
    """The object names of the listed changes of one kind of record (fixtures also log users and communities)."""
    return [
        c.object_repr for c in response.context["page"].object_list if c.content_type.model == model
    ]


def test_auditor_sees_only_own_station_changes(client, login, auditor, logged):
    login(client, auditor)
    assert reprs(client.get(reverse("core:changelog"))) == ["本所居民"]


def test_changelog_rows_show_the_diff(client, login, auditor, logged):
    login(client, auditor)
    content = client.get(reverse("core:changelog")).content.decode()
    assert "本所居民" in content and "姓名" in content and "艾丽" in content


def test_changelog_search_by_user(client, login, auditor, alice, community_a, logged):
    with context.acting_as(auditor):
        PersonFactory(community=community_a, name="审计员建的")
    login(client, auditor)
    assert reprs(client.get(reverse("core:changelog"), {"user": "艾丽"})) == ["本所居民"]


def test_changelog_search_by_request_id(client, login, auditor, community_a, logged):
    PersonFactory(community=community_a, name="另一个")
    login(client, auditor)
    assert reprs(client.get(reverse("core:changelog"), {"request_id": "req-alice-0001"})) == [
        "本所居民"
    ]


def test_changelog_search_by_action_and_text(client, login, auditor, alice, logged):
    ours, _ = logged
    with context.acting_as(alice):
        services.person_update(actor=alice, person=ours, phone="13900000000")
    login(client, auditor)
    response = client.get(reverse("core:changelog"), {"action": "update", "text": "本所"})
    assert [c.action for c in response.context["page"].object_list] == ["update"]


def test_changelog_search_by_object_type(client, login, auditor, alice, community_a, logged):
    from django.contrib.contenttypes.models import ContentType

    with context.acting_as(alice):
        services.community_update(actor=alice, community=community_a, note="老街改造")
    login(client, auditor)
    ct = ContentType.objects.get_for_model(type(community_a))
    response = client.get(reverse("core:changelog"), {"type": ct.pk})
    rows = response.context["page"].object_list
    assert rows and all(c.content_type == ct for c in rows)
    assert "老街改造" in response.content.decode()


def test_changelog_search_by_date_range(client, login, auditor, community_a):
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        PersonFactory(community=community_a, name="三月")
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC), tick=False):
        PersonFactory(community=community_a, name="四月")
    login(client, auditor)
    response = client.get(
        reverse("core:changelog"), {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    )
    assert reprs(response) == ["三月"]


def test_changelog_bad_date_shows_chinese_message(client, login, auditor):
    login(client, auditor)
    assert (
        "日期格式"
        in client.get(reverse("core:changelog"), {"date_from": "2026-13-45"}).content.decode()
    )


def test_changelog_refused_for_community_officer(bob_client):
    assert bob_client.get(reverse("core:changelog")).status_code == 403


def test_leader_may_search_changelog(alice_client, logged):
    assert reprs(alice_client.get(reverse("core:changelog"))) == ["本所居民"]


def test_bureau_user_sees_every_station_of_the_bureau(client, login, station, logged):
    bureau_user = UserFactory(role=Role.BUREAU, station=None, bureau=station.bureau)
    login(client, bureau_user)
    assert set(reprs(client.get(reverse("core:changelog")))) == {"本所居民", "他所居民"}


def test_access_tab_lists_personal_data_views_of_own_station(
    client, login, auditor, bob, charlie, community_a, other_station
):
    services.personal_data_reveal(
        actor=bob,
        obj=PersonFactory(community=community_a, name="被查看者"),
        fields=["phone"],
        purpose="回访",
    )
    services.personal_data_reveal(
        actor=charlie,
        obj=PersonFactory(community=CommunityFactory(station=other_station), name="他所被查看"),
        fields=["phone"],
        purpose="核实身份",
    )
    login(client, auditor)
    response = client.get(reverse("core:changelog"), {"tab": "access"})
    assert [a.object_repr for a in response.context["page"].object_list] == ["被查看者"]
    assert "回访" in response.content.decode()
    assert PersonalDataAccess.objects.count() == 2


def test_access_tab_search_by_user(client, login, auditor, alice, bob, community_a):
    person = PersonFactory(community=community_a)
    services.personal_data_reveal(actor=bob, obj=person, fields=["phone"], purpose="核实身份")
    services.personal_data_reveal(actor=alice, obj=person, fields=["id_number"], purpose="核实身份")
    login(client, auditor)
    response = client.get(reverse("core:changelog"), {"tab": "access", "user": "鲍勃"})
    assert [a.user_name for a in response.context["page"].object_list] == ["鲍勃"]


def test_saving_a_person_without_changes_writes_no_change_row(db):
    from fengqiao.core.models import ObjectChange
    from tests.factories import PersonFactory

    person = PersonFactory()
    before = ObjectChange.objects.count()
    person.save()
    assert ObjectChange.objects.count() == before
    person.note = "改了备注"
    person.save()
    assert ObjectChange.objects.count() == before + 1


def test_timeline_masks_phones_and_id_numbers_whatever_the_field_is_called():
    from fengqiao.core.history import _display

    assert _display(None, "caller_phone", "13812345678") == "138****5678"
    assert _display(None, "reporter_phone", "13812345678") == "138****5678"
    assert "*" in _display(None, "victim_id_number", "511123198001010014")
    assert _display(None, "telephone_count", 3) == "3"
