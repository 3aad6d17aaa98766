"""Officers on the wall: positions stored only on shift, kept 30 days; status from the field steps;
the nearest units to an incident; who may see them."""

import datetime as dt
import json

import pytest

from fengqiao.command.models import DutyAssignment, Shift
from fengqiao.field import services, units
from fengqiao.field.models import OfficerFix
from tests.factories import UserFactory
from tests.field.conftest import FAR, NEAR, NOW, SCENE

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_shift(station):
    return Shift.objects.create(station=station, name="白班", starts=dt.time(8), ends=dt.time(20))


@pytest.fixture
def on_duty(station, day_shift, patrol):
    DutyAssignment.objects.create(
        station=station, day=NOW.date(), shift=day_shift, post="duty", user=patrol
    )
    return patrol


def test_positions_only_on_shift(frozen, on_duty, duty):
    assert units.position_report(actor=on_duty, latitude=NEAR[0], longitude=NEAR[1]) is not None
    # The duty officer has no shift today: nothing is stored.
    assert units.position_report(actor=duty, latitude=NEAR[0], longitude=NEAR[1]) is None
    frozen.move_to(NOW.replace(hour=21))  # after the shift ended
    assert units.position_report(actor=on_duty, latitude=NEAR[0], longitude=NEAR[1]) is None
    assert OfficerFix.objects.count() == 1


def test_bad_positions_are_refused(frozen, on_duty):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        units.position_report(actor=on_duty, latitude=91, longitude=0)
    with pytest.raises(ValidationError):
        units.position_report(
            actor=on_duty, latitude=1, longitude=1, at=NOW + dt.timedelta(hours=1)
        )


def test_positions_are_kept_thirty_days(frozen, on_duty):
    units.position_report(actor=on_duty, latitude=NEAR[0], longitude=NEAR[1])
    frozen.shift(dt.timedelta(days=29))
    assert units.positions_purge() == 0
    frozen.shift(dt.timedelta(days=2))
    assert units.positions_purge() == 1


def test_status_follows_the_steps_and_nearest_ranks_by_distance(
    frozen, station, day_shift, on_duty, dispatched
):
    far_officer = UserFactory(role="duty_officer", station=station)
    DutyAssignment.objects.create(
        station=station, day=NOW.date(), shift=day_shift, post="duty", user=far_officer
    )
    services.incident_place_set(
        actor=on_duty, incident=dispatched, latitude=SCENE[0], longitude=SCENE[1]
    )
    units.position_report(actor=on_duty, latitude=NEAR[0], longitude=NEAR[1])
    units.position_report(actor=far_officer, latitude=FAR[0], longitude=FAR[1])
    board = {u["officer_id"]: u for u in units.units(station.pk)}
    assert board[on_duty.pk]["status"] == "on_post" and board[on_duty.pk]["fix_age_seconds"] == 0
    ranked = units.nearest_units(dispatched)
    assert [u["officer_id"] for u in ranked] == [on_duty.pk, far_officer.pk]
    services.incident_step(actor=on_duty, incident=dispatched, step="accept")
    assert {u["officer_id"]: u for u in units.units(station.pk)}[on_duty.pk][
        "status"
    ] == "dispatched"
    frozen.shift(dt.timedelta(minutes=3))
    services.incident_step(actor=on_duty, incident=dispatched, step="arrive")
    board = {u["officer_id"]: u for u in units.units(station.pk)}
    assert board[on_duty.pk]["status"] == "on_scene" and board[on_duty.pk]["fix_age_seconds"] == 180
    # A busy unit ranks after one on post.
    assert [u["officer_id"] for u in units.nearest_units(dispatched)] == [
        far_officer.pk,
        on_duty.pk,
    ]


def test_who_may_see_the_units(frozen, on_duty, alice, bob, charlie, client, login, dispatched):
    login(client, on_duty)
    resp = client.post(
        "/api/field/position/",
        json.dumps({"latitude": NEAR[0], "longitude": NEAR[1]}),
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json() == {"stored": True}
    bad = client.post(
        "/api/field/position/", json.dumps({"latitude": 99}), content_type="application/json"
    )
    assert bad.status_code == 400
    login(client, alice)
    assert [u["name"] for u in client.get("/api/field/units/").json()] == [on_duty.full_name]
    assert client.get("/field/units/").status_code == 200
    assert client.get(f"/api/field/incidents/{dispatched.pk}/nearest/").status_code == 200
    login(client, bob)  # a community officer: not the command side
    assert client.get("/api/field/units/").status_code == 403
    assert client.get("/field/units/").status_code == 403
    login(client, charlie)
    assert client.get(f"/api/field/incidents/{dispatched.pk}/nearest/").status_code in (403, 404)


def test_dispatch_the_nearest_in_one_click(
    frozen, station, day_shift, on_duty, duty, client, login, community_a
):
    from fengqiao.incidents.models import Incident, IncidentCategory
    from fengqiao.incidents.services import incident_receive

    incident = incident_receive(
        actor=duty, station=station, category=IncidentCategory.objects.get(code="JF-LL"),
        location="西街12号", community=community_a,
    )  # fmt: skip
    services.incident_place_set(
        actor=duty, incident=incident, latitude=SCENE[0], longitude=SCENE[1]
    )
    units.position_report(actor=on_duty, latitude=NEAR[0], longitude=NEAR[1])
    login(client, duty)
    page = client.get(f"/field/incidents/{incident.pk}/nearest/").content.decode()
    assert on_duty.full_name in page and "米" in page
    detail = client.get(incident.get_absolute_url()).content.decode()
    assert f"/field/incidents/{incident.pk}/nearest/" in detail
    resp = client.post(f"/field/incidents/{incident.pk}/nearest/", {"officer": on_duty.pk})
    assert resp.status_code == 302
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == "dispatched" and list(incident.officers.all()) == [on_duty]
    # Another station's officer cannot be dispatched; a bad id is refused with a message.
    bad = client.post(f"/field/incidents/{incident.pk}/nearest/", {"officer": 999999}, follow=True)
    assert "请选择在班民警" in bad.content.decode()


def test_the_command_wall_shows_the_units(frozen, station, on_duty, alice, client, login):
    units.position_report(actor=on_duty, latitude=NEAR[0], longitude=NEAR[1])
    login(client, alice)
    data = client.get("/command/wall.json").json()
    assert "units" in data["extra_panels"]
    panel = data["units"]
    assert panel["count"] == 1 and panel["items"][0]["title"] == on_duty.full_name
    assert "在岗" in panel["items"][0]["sub"] and "秒前定位" in panel["items"][0]["sub"]


def test_the_live_board_is_shared_briefly_and_a_tap_refreshes_it(
    frozen, station, on_duty, dispatched
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    units.position_report(actor=on_duty, latitude=NEAR[0], longitude=NEAR[1])
    assert units.units(station.pk)[0]["status"] == "on_post"
    with CaptureQueriesContext(connection) as ctx:
        units.units(station.pk)
    assert len(ctx.captured_queries) == 0  # the second screen reads the shared board
    services.incident_step(actor=on_duty, incident=dispatched, step="accept")
    assert units.units(station.pk)[0]["status"] == "dispatched"  # the tap cleared it
