"""Editable types and channels; scope of the new writes; history kept; the demo loader."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from fengqiao.core.audit import history_for
from fengqiao.disputes import services
from fengqiao.disputes.models import Agreement, Dispute, DisputeType, MediationChannel


def test_administrator_adds_and_edits_a_channel(client, login, rules_admin):
    alice_client = login(client, rules_admin)
    url = reverse("disputes:table_edit", args=["channels"])
    response = alice_client.post(
        url, {"code": "school", "name": "校园调解", "sort": "9", "active": "1"}
    )
    assert response.status_code == 302
    channel = MediationChannel.objects.get(code="school")
    alice_client.post(
        reverse("disputes:table_row_edit", args=["channels", channel.pk]),
        {"code": "school", "name": "校园调解室", "sort": "9"},
    )
    channel.refresh_from_db()
    assert channel.name == "校园调解室" and not channel.active
    assert history_for(channel).count() >= 2


def test_duplicate_code_is_refused_with_input_kept(client, login, rules_admin):
    alice_client = login(client, rules_admin)
    response = alice_client.post(
        reverse("disputes:table_edit", args=["types"]),
        {"code": "neighbour", "name": "邻里2", "active": "1"},
    )
    assert response.status_code == 400 and "已存在" in response.content.decode()
    assert 'value="邻里2"' in response.content.decode()
    assert DisputeType.objects.filter(code="neighbour").count() == 1


def test_officer_reads_but_cannot_edit_tables(bob_client):
    assert bob_client.get(reverse("disputes:table_edit", args=["types"])).status_code == 200
    response = bob_client.post(
        reverse("disputes:table_edit", args=["types"]), {"code": "x", "name": "x"}
    )
    assert response.status_code == 403 and not DisputeType.objects.filter(code="x").exists()
    assert bob_client.get(reverse("disputes:table_edit", args=["nope"])).status_code == 404


def test_officer_of_another_community_cannot_record_an_agreement(alice, bob, register, community_b):
    d = register(alice, community=community_b, owner=alice)
    services.dispute_accept(
        actor=alice, dispute=d, channel=MediationChannel.objects.get(code="studio")
    )
    with pytest.raises(PermissionDenied):
        services.agreement_record(
            actor=bob,
            dispute=d,
            form="written",
            reached_on=dt.date.today(),
            signed_parties=d.parties.all(),
            terms=[{"what": "赔偿", "due_date": dt.date.today()}],
        )
    with pytest.raises(PermissionDenied):
        services.dispute_close(actor=bob, dispute=d, reason="x")


def test_agreement_and_terms_keep_history(bob, register):
    d = register(bob, owner=bob)
    services.dispute_accept(
        actor=bob, dispute=d, channel=MediationChannel.objects.get(code="studio")
    )
    agreement = services.agreement_record(
        actor=bob,
        dispute=d,
        form="written",
        reached_on=dt.date.today(),
        signed_parties=d.parties.all(),
        terms=[{"what": "赔偿", "due_date": dt.date.today()}],
    )
    term = agreement.terms.get()
    services.term_check(actor=bob, term=term, result="partly")
    assert history_for(agreement).exists() and history_for(term).count() >= 2
    assert list(d.events.values_list("kind", flat=True))[-2:] == ["agreement", "term_checked"]


def test_demo_loads_the_studio_record(station, alice, bob, community_a, community_b):
    from fengqiao.demo import disputes as demo
    from fengqiao.disputes.selectors import dispute_figures
    from tests.factories import UserFactory

    UserFactory(username="fan", full_name="范贤成", role="mediator", station=station)
    counts = demo.load(scale=10, seed=1, log=lambda line: None)
    assert counts["studio"] == 327 and counts["open"] == len(demo.OPEN_FILES)
    studio = MediationChannel.objects.get(code="studio")
    f = dispute_figures(
        alice, dt.date.today() - dt.timedelta(days=365 * 17), dt.date.today(), channel=studio
    )
    assert f["success_rate"] > 0.99
    closed = Dispute.objects.filter(channel=studio, status="closed")
    assert (
        Agreement.objects.filter(dispute__in=closed).exclude(terms__status="performed").count() == 0
    )
    assert Dispute.objects.filter(level="red", plan__isnull=False).count() == 2
    # the reference counters continue after the bulk load
    d = services.dispute_register(
        actor=alice,
        narrative="新纠纷",
        dispute_type=DisputeType.objects.first(),
        parties=[{"name": "甲"}],
    )
    assert d.reference.startswith("JF-")


def test_board_page_for_charlie_is_empty(register, bob, charlie, login):
    register(bob, narrative="扬言同归于尽", owner=bob)
    html = login(Client(), charlie).get(reverse("disputes:board")).content.decode()
    assert "JF-" not in html
