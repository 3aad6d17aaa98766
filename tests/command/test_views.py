import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.command import alerts, roster
from fengqiao.command.models import Alert, PatrolCheck

pytestmark = pytest.mark.django_db


def _raise(station, n=1, **kw):
    return alerts.alert_raise(
        station_id=station.pk,
        kind="incident",
        source_kind="incidents.incident",
        source_id=n,
        title=f"JQ-2026-00000{n} 纠纷",
        announce=False,
        **kw,
    )


def test_wall_page_for_the_command_room(client, login, fenggang):
    response = login(client, fenggang).get(reverse("command:wall"))
    assert response.status_code == 200
    assert b"data-wall" in response.content and b"notify-bell" in response.content


def test_wall_refused_to_a_community_officer_who_lands_on_the_roster(bob_client):
    response = bob_client.get(reverse("command:wall"))
    assert response.status_code == 302 and response["Location"] == reverse("command:roster")
    assert bob_client.get(reverse("command:wall_data")).status_code == 403
    assert bob_client.get(reverse("command:alert_list")).status_code == 403


def test_wall_data_is_scoped_to_the_station(
    client, login, station, fenggang, charlie, other_station
):
    _raise(station)
    data = login(client, fenggang).get(reverse("command:wall_data")).json()
    assert data["alerts"]["open"] == 1
    from tests.factories import UserFactory

    other = UserFactory(role="command", station=other_station)
    data = login(client, other).get(reverse("command:wall_data")).json()
    assert data["alerts"]["open"] == 0


def test_wall_counts_old_alerts_instead_of_listing_them(client, login, station, fenggang):
    _raise(station, 1)
    _raise(station, 2, at=timezone.now() - dt.timedelta(days=400))
    data = login(client, fenggang).get(reverse("command:wall_data")).json()
    assert data["alerts"]["open"] == 1 and data["alerts"]["older_open"] == 1


def test_ack_from_the_wall_names_the_person(client, login, station, fenggang):
    alert = _raise(station)
    c = login(client, fenggang)
    r = c.post(reverse("command:alert_ack", args=[alert.pk]), HTTP_ACCEPT="application/json")
    assert r.json() == {"ok": True, "by": "冯刚"}
    r = c.post(reverse("command:alert_ack", args=[alert.pk]), HTTP_ACCEPT="application/json")
    assert r.status_code == 409 and "冯刚" in r.json()["error"]


def test_ack_of_another_stations_alert_is_404(charlie_client, station):
    alert = _raise(station)
    assert charlie_client.post(reverse("command:alert_ack", args=[alert.pk])).status_code == 404


def test_group_ack(client, login, station, fenggang):
    a = _raise(station, 1)
    _raise(station, 2)
    r = login(client, fenggang).post(reverse("command:group_ack"), {"group": a.group_key})
    assert r.json()["acknowledged"] == 2
    assert not Alert.objects.unacknowledged().exists()


def test_alert_list_filters(client, login, station, fenggang):
    _raise(station, 1)
    r = login(client, fenggang).get(
        reverse("command:alert_list"), {"show": "open", "kind": "incident", "q": "纠纷"}
    )
    assert r.status_code == 200 and "JQ-2026-000001" in r.content.decode()


def test_api_lists_and_acknowledges(client, login, station, fenggang):
    alert = _raise(station)
    c = login(client, fenggang)
    assert c.get("/api/command/alerts/?open=1").json()["count"] == 1
    assert (
        c.post(f"/api/command/alerts/{alert.pk}/acknowledge/", {"note": "ok"}).json()[
            "acknowledged_by_name"
        ]
        == "冯刚"
    )
    assert c.get("/api/command/wall/").status_code == 200


def test_every_page_header_shows_who_is_on_duty(client, login, station, alice, duty, day_shift):
    now = timezone.now()
    day = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    from fengqiao.command.models import Shift

    allday = Shift.objects.create(
        station=station, name="全天", starts=dt.time(0, 0), ends=dt.time(0, 0)
    )
    roster.duty_assign(actor=alice, station=station, day=day, shift=allday, post="duty", user=duty)
    roster.leader_week_set(actor=alice, station=station, week_start=day, leader=alice)
    html = login(client, alice).get(reverse("incidents:incident_list")).content.decode()
    assert 'id="on-duty"' in html and "值班 刘洋" in html and "带班 艾丽" in html


def test_roster_page_assign_with_bad_input_keeps_it(client, login, alice, day_shift, duty):
    c = login(client, alice)
    r = c.post(
        reverse("command:roster"),
        {
            "action": "assign",
            "day": "2026-13-01",
            "shift": day_shift.pk,
            "post": "duty",
            "user": duty.pk,
            "note": "备注保留",
        },
    )
    assert r.status_code == 400 and "备注保留" in r.content.decode()
    r = c.post(
        reverse("command:roster"),
        {
            "action": "assign",
            "day": "2026-03-02",
            "shift": day_shift.pk,
            "post": "duty",
            "user": duty.pk,
        },
    )
    assert r.status_code == 302
    r = c.post(
        reverse("command:roster"),
        {
            "action": "assign",
            "day": "2026-03-02",
            "shift": day_shift.pk,
            "post": "duty",
            "user": duty.pk,
        },
    )
    assert r.status_code == 400 and "已有安排" in r.content.decode()


def test_roster_refuses_assignment_by_community_officer(bob_client, day_shift, bob):
    r = bob_client.post(
        reverse("command:roster"),
        {
            "action": "assign",
            "day": "2026-03-02",
            "shift": day_shift.pk,
            "post": "duty",
            "user": bob.pk,
        },
    )
    assert r.status_code == 403


def test_patrol_page_allows_only_the_cameras_origin(client, login, fenggang, point):
    r = login(client, fenggang).get(reverse("command:patrol"), {"point": point.pk})
    csp = r["Content-Security-Policy"]
    assert (
        "connect-src 'self' http://127.0.0.1:9" in csp
        and "media-src 'self' blob: http://127.0.0.1:9" in csp
    )
    assert "script-src 'self';" in csp


def test_patrol_finding_from_the_form_opens_an_incident(
    client, login, fenggang, point, cat_dispute
):
    c = login(client, fenggang)
    r = c.post(
        reverse("command:patrol"),
        {
            "action": "check",
            "point": point.pk,
            "result": "finding",
            "note": "广场聚集",
            "open_incident": "on",
            "category": cat_dispute.pk,
            "urgency": "normal",
        },
    )
    assert r.status_code == 302
    check = PatrolCheck.objects.get()
    assert check.incident is not None
    r = c.post(
        reverse("command:patrol"),
        {
            "action": "check",
            "point": point.pk,
            "result": "finding",
            "note": "缺类别",
            "open_incident": "on",
        },
    )
    assert r.status_code == 400 and "缺类别" in r.content.decode()


def test_camera_form_rejects_a_bad_stream_url(client, login, fenggang):
    r = login(client, fenggang).post(
        reverse("command:cameras"),
        {
            "name": "西街-路口",
            "place": "西街口",
            "stream_kind": "hls",
            "stream_url": "http://v.local/a.flv",
            "active": "on",
        },
    )
    assert r.status_code == 400 and "m3u8" in r.content.decode() and "西街口" in r.content.decode()


def test_home_shows_today_not_year_old_vehicle_alarms(client, login, alice):
    r = login(client, alice).get(reverse("home"))
    html = r.content.decode()
    assert r.status_code == 200 and "今天需要我处理" in html and 'id="today-tiles"' in html


def test_supervision_panel(client, login, alice):
    r = login(client, alice).get(reverse("command:supervision"))
    assert r.status_code == 200 and "有案不立" in r.content.decode()
    r = login(client, alice).get(reverse("command:supervision"), HTTP_HX_REQUEST="true")
    assert r.content.decode().startswith('<div id="supervision-panel"')


def test_header_on_duty_costs_no_query_once_cached(
    rf, station, alice, duty, day_shift, django_assert_num_queries
):
    from fengqiao.command.roster import header_duty

    header_duty(station.pk)
    with django_assert_num_queries(0):
        header_duty(station.pk)


def test_handover_page_shows_the_roster_and_proposes_the_next_duty_officer(
    client, login, station, alice, duty, bob, day_shift, night_shift
):
    import time_machine

    from .conftest import SH

    roster.duty_assign(
        actor=alice,
        station=station,
        day=dt.date(2026, 3, 2),
        shift=day_shift,
        post="duty",
        user=duty,
    )
    roster.duty_assign(
        actor=alice,
        station=station,
        day=dt.date(2026, 3, 2),
        shift=night_shift,
        post="duty",
        user=bob,
    )
    c = login(client, duty)
    with time_machine.travel(dt.datetime(2026, 3, 2, 19, 0, tzinfo=SH), tick=False):
        html = c.get(reverse("incidents:handover")).content.decode()
    assert 'id="handover-roster"' in html and "夜班" in html and "鲍勃" in html
    assert f'<option value="{bob.pk}" selected>' in html


def test_api_cameras_and_patrol_log_are_scoped(
    client, login, station, fenggang, charlie, point, camera
):
    from fengqiao.command import services

    services.patrol_check(
        actor=fenggang, point=point, camera=camera, result="no_signal", note="画面黑屏"
    )
    c = login(client, fenggang)
    assert [r["name"] for r in c.get("/api/command/cameras/").json()["results"]] == [
        "江湾壹号-全景"
    ]
    rows = c.get("/api/command/patrol-log/?result=no_signal").json()["results"]
    assert rows[0]["point_name"] == "江湾壹号" and rows[0]["by_name"] == "冯刚"
    c = login(client, charlie)
    assert c.get("/api/command/cameras/").json()["count"] == 0
    assert c.get("/api/command/patrol-log/").json()["count"] == 0


def test_case_manager_and_community_officer_homes_have_their_figures(client, login, station, bob):
    from tests.factories import UserFactory

    manager = UserFactory(role="case_manager", station=station)
    html = login(client, manager).get(reverse("home")).content.decode()
    assert "三条红线" in html and "24小时内到期" in html
    html = login(client, bob).get(reverse("home")).content.decode()
    assert "本社区红色纠纷" in html and "未确认告警" not in html


def test_stopped_shift_leaves_the_grid(client, login, alice, day_shift):
    c = login(client, alice)
    assert "白班 08:30–20:30" in c.get(reverse("command:roster")).content.decode()
    assert (
        c.post(
            reverse("command:roster"), {"action": "shift_toggle", "shift": day_shift.pk}
        ).status_code
        == 302
    )
    day_shift.refresh_from_db()
    assert not day_shift.active
    html = c.get(reverse("command:roster")).content.decode()
    assert "还没有班次" in html and "已停用" in html
