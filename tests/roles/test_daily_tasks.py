"""Each role can do its own daily work (PRODUCT.md "Who uses it"; docs/security.md has the matrix)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from fengqiao.accounts.choices import Role
from fengqiao.disputes import services
from fengqiao.disputes.models import Dispute, MediationChannel
from fengqiao.vehicles.models import Theft
from tests.factories import UserFactory
from tests.vehicles.factories import report_theft

pytestmark = pytest.mark.django_db


@pytest.fixture
def studio(db):
    return MediationChannel.objects.get(code="studio")


@pytest.fixture
def mediator(station):
    return UserFactory(username="fan", full_name="范贤成", role=Role.MEDIATOR, station=station)


def _studio_record(actor, register, studio, mediator):
    """The studio mediator's record: a session he mediated in the studio channel."""
    old = services.dispute_accept(actor=actor, dispute=register(actor), channel=studio)
    services.session_record(
        actor=actor,
        dispute=old,
        held_at=dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC),
        outcome="agreed",
        mediators=[mediator],
    )


def test_studio_mediator_acts_on_files_accepted_into_his_channel(alice, mediator, register, studio):
    _studio_record(alice, register, studio, mediator)
    new = services.dispute_accept(actor=alice, dispute=register(alice), channel=studio)
    assert new.owner_id != mediator.pk
    assert Dispute.objects.editable_by(mediator).filter(pk=new.pk).exists()
    session = services.session_record(
        actor=mediator,
        dispute=new,
        held_at=dt.datetime(2026, 2, 3, 2, tzinfo=dt.UTC),
        outcome="agreed",
        mediators=[mediator],
    )
    assert session.recorded_by == mediator


def test_mediator_acts_on_the_file_of_a_session_he_mediates(alice, mediator, register, studio):
    police = MediationChannel.objects.get(code="police")
    d = services.dispute_accept(actor=alice, dispute=register(alice), channel=police)
    assert not Dispute.objects.editable_by(mediator).filter(pk=d.pk).exists()
    services.session_record(
        actor=alice,
        dispute=d,
        held_at=dt.datetime(2026, 2, 3, 2, tzinfo=dt.UTC),
        outcome="continue",
        mediators=[mediator],
    )
    assert Dispute.objects.editable_by(mediator).filter(pk=d.pk).exists()


def test_mediator_without_channel_or_session_gets_nothing(alice, mediator, register, studio):
    d = services.dispute_accept(actor=alice, dispute=register(alice), channel=studio)
    with pytest.raises(PermissionDenied):
        services.session_record(
            actor=mediator,
            dispute=d,
            held_at=dt.datetime(2026, 2, 3, 2, tzinfo=dt.UTC),
            outcome="agreed",
        )


def test_case_manager_reads_supervision(client, login, station):
    manager = UserFactory(username="anguan", role=Role.CASE_MANAGER, station=station)
    login(client, manager)
    assert client.get(reverse("command:supervision")).status_code == 200


def test_liaison_still_cannot_read_supervision(client, login, station):
    liaison = UserFactory(username="wgy", role=Role.LIAISON, station=station)
    login(client, liaison)
    assert client.get(reverse("command:supervision")).status_code == 403


def test_install_desk_auxiliary_reports_a_theft_outside_his_communities(station, vehicle):
    desk = UserFactory(username="fujing", role=Role.AUXILIARY, station=station)
    theft = report_theft(desk, vehicle, reporter_phone="13900001111")
    assert Theft.objects.get(pk=theft.pk).vehicle == vehicle


def test_other_station_cannot_report_a_theft(charlie, vehicle):
    with pytest.raises(PermissionDenied):
        report_theft(charlie, vehicle, reporter_phone="13900001111")


def test_install_desk_auxiliary_sees_the_theft_report_button(client, login, station, vehicle):
    desk = UserFactory(username="fujing2", role=Role.AUXILIARY, station=station)
    login(client, desk)
    html = client.get(vehicle.get_absolute_url()).content.decode()
    assert (
        reverse("vehicles:theft_report", args=[vehicle.pk]) in html
    )  # not only for his communities
    assert "vehicle_arm" not in html and "/arm/" not in html  # arming stays with the community
