import datetime as dt

import pytest
from django.urls import reverse

from fengqiao.core import workqueue
from fengqiao.disputes import services
from fengqiao.disputes.models import Dispute

pytestmark = pytest.mark.django_db


def test_list_masks_phones_and_shows_level_badge(bob_client, bob, register):
    register(bob)
    html = bob_client.get(reverse("disputes:dispute_list")).content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert "level-yellow" in html


def test_list_filters_by_level_and_searches_party_name(bob_client, bob, register):
    yellow = register(bob)
    red = register(bob, narrative="扬言拼命", owner=bob, parties=[{"name": "赵六"}])
    html = bob_client.get(reverse("disputes:dispute_list"), {"level": "red"}).content.decode()
    assert red.reference in html and yellow.reference not in html
    html = bob_client.get(reverse("disputes:dispute_list"), {"q": "赵六"}).content.decode()
    assert red.reference in html and yellow.reference not in html


def test_register_form_creates_red_dispute_with_reason_shown(
    bob_client, bob, neighbour_type, community_a
):
    response = bob_client.post(
        reverse("disputes:dispute_create"),
        {
            "dispute_type": neighbour_type.pk,
            "source": "visit",
            "narrative": "李四说要和他同归于尽",
            "community": community_a.pk,
            "owner": bob.pk,
            "party-0-name": "张三",
            "party-0-role": "applicant",
        },
    )
    d = Dispute.objects.get()
    assert response.status_code == 302 and d.level == "red"
    html = bob_client.get(d.get_absolute_url()).content.decode()
    assert "当事人扬言&#x27;同归于尽&#x27;" in html or "当事人扬言'同归于尽'" in html
    assert "未制定一案一策" in html


def test_level_form_without_reason_keeps_level(bob_client, bob, register):
    d = register(bob, owner=bob)
    bob_client.post(
        reverse("disputes:dispute_level", args=[d.pk]), {"level": "orange", "reason": ""}
    )
    assert Dispute.objects.get(pk=d.pk).level == "yellow"
    bob_client.post(
        reverse("disputes:dispute_level", args=[d.pk]), {"level": "orange", "reason": "屡次争吵"}
    )
    assert Dispute.objects.get(pk=d.pk).level == "orange"


def test_plan_form_files_plan_and_report_prints(bob_client, bob, register):
    d = register(bob, narrative="扬言拼命", owner=bob)
    bob_client.post(
        reverse("disputes:plan_create", args=[d.pk]),
        {
            "summary": "专人稳控",
            "measure-0-what": "每日走访",
            "measure-0-responsible": bob.pk,
            "measure-0-due_date": "2026-12-01",
        },
    )
    d = Dispute.objects.get(pk=d.pk)
    assert not d.needs_plan
    html = bob_client.get(reverse("disputes:plan_report", args=[d.pk])).content.decode()
    assert "每日走访" in html and "style=" not in html


def test_red_board_lists_open_red_disputes(alice_client, bob, register):
    red = register(bob, narrative="扬言拼命", owner=bob)
    yellow = register(bob)
    html = alice_client.get(reverse("disputes:red_board")).content.decode()
    assert red.reference in html and yellow.reference not in html


# ---- scoping: alice (leader) / bob (officer of community A) / charlie (other station)


def test_other_station_sees_nothing(charlie_client, bob, register):
    d = register(bob)
    assert charlie_client.get(d.get_absolute_url()).status_code == 404
    assert d.reference not in charlie_client.get(reverse("disputes:dispute_list")).content.decode()


def test_leader_edits_any_community_officer_only_his_own(alice, bob, register, community_b):
    in_b = register(alice, community=community_b)
    in_a = register(bob)
    assert set(Dispute.objects.editable_by(alice)) == {in_a, in_b}
    assert set(Dispute.objects.editable_by(bob)) == {in_a}
    assert set(Dispute.objects.visible_to(bob)) == {in_a, in_b}


def test_owner_may_edit_outside_his_communities(alice, bob, register, community_b):
    d = register(alice, community=community_b, owner=bob)
    assert Dispute.objects.editable_by(bob).filter(pk=d.pk).exists()


def test_bob_cannot_change_level_in_other_community_by_post(
    bob_client, alice, register, community_b
):
    d = register(alice, community=community_b)
    response = bob_client.post(
        reverse("disputes:dispute_level", args=[d.pk]), {"level": "orange", "reason": "x"}
    )
    assert response.status_code == 403 and Dispute.objects.get(pk=d.pk).level == "yellow"


# ---- work queue


def test_work_queue_lists_red_without_plan_and_first_session_due(bob, register):
    d = register(bob, narrative="扬言拼命", owner=bob)
    items = [i for i in workqueue.items_for(bob, dt.datetime.now(dt.UTC)) if i.kind == "dispute"]
    titles = [i.title for i in items]
    assert any("未制定一案一策" in t for t in titles) and any("首次调解" in t for t in titles)
    services.plan_file(
        actor=bob,
        dispute=d,
        summary="s",
        measures=[{"what": "a", "responsible": bob, "due_date": dt.date(2026, 12, 1)}],
    )
    titles = [
        i.title for i in workqueue.items_for(bob, dt.datetime.now(dt.UTC)) if i.kind == "dispute"
    ]
    assert not any("未制定一案一策" in t for t in titles)


# ---- party lookup against the registry


def test_person_lookup_returns_masked_matches(bob_client, community_a):
    from tests.factories import PersonFactory

    person = PersonFactory(community=community_a, name="王建国", phone="13900001111")
    html = bob_client.get(
        reverse("disputes:lookup_person"), {"row": "1", "party-1-q": "王建国"}
    ).content.decode()
    assert f'name="party-1-person" value="{person.pk}"' in html
    assert "139****1111" in html and "13900001111" not in html


def test_register_with_registry_person_links_party(bob_client, bob, neighbour_type, community_a):
    from tests.factories import PersonFactory

    person = PersonFactory(community=community_a, name="王建国", phone="13900001111")
    bob_client.post(
        reverse("disputes:dispute_create"),
        {
            "dispute_type": neighbour_type.pk,
            "source": "visit",
            "narrative": "排水沟纠纷",
            "community": community_a.pk,
            "party-0-person": person.pk,
            "party-0-role": "applicant",
        },
    )
    party = Dispute.objects.get().parties.get()
    assert (party.person_id, party.name, party.phone) == (person.pk, "王建国", "13900001111")


def test_edit_form_recomputes_suggestion_but_keeps_level(bob_client, bob, register):
    d = register(bob)
    bob_client.post(
        reverse("disputes:dispute_edit", args=[d.pk]),
        {"narrative": "对方扬言拼命", "notes": "", "location": "", "amount": "", "owner": bob.pk},
    )
    d = Dispute.objects.get(pk=d.pk)
    assert d.suggested_level == "red" and d.level == "yellow" and d.owner == bob
    assert "当事人扬言&#x27;拼命&#x27;" in bob_client.get(d.get_absolute_url()).content.decode()


def test_adding_high_risk_party_recomputes_suggestion(bob_client, bob, register):
    d = register(bob)
    bob_client.post(
        reverse("disputes:party_add", args=[d.pk]),
        {"party-0-name": "王五", "party-0-role": "other", "party-0-high_risk": "1"},
    )
    d = Dispute.objects.get(pk=d.pk)
    assert d.parties.count() == 3 and d.suggested_level == "red"


def test_work_queue_lists_my_open_measures_until_done(bob, alice, register):
    d = register(bob, narrative="扬言拼命", owner=alice)
    plan = services.plan_file(
        actor=alice,
        dispute=d,
        summary="s",
        measures=[{"what": "每日走访", "responsible": bob, "due_date": dt.date(2026, 12, 1)}],
    )
    items = [i for i in workqueue.items_for(bob, dt.datetime.now(dt.UTC)) if i.kind == "dispute"]
    assert [i.title for i in items] == [f"{d.reference} 稳控措施:每日走访"]
    assert items[0].due_at.date() == dt.date(2026, 12, 1)
    services.measure_done(actor=bob, measure=plan.measures.get())
    assert not [i for i in workqueue.items_for(bob, dt.datetime.now(dt.UTC)) if i.kind == "dispute"]
