"""One-tap steps with the phone's time and position; the offline queue synced idempotently, conflicts
shown, refusals answered while the rest of the queue goes on."""

import datetime as dt
import json
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from fengqiao.field import services
from fengqiao.field.models import FieldStep, SyncReceipt, WorkLogEntry
from tests.field.conftest import FAR, NEAR, SCENE

pytestmark = pytest.mark.django_db


def test_arrival_uses_the_phones_time_and_is_proposed_near_the_scene(dispatched, patrol, frozen):
    services.incident_place_set(
        actor=patrol, incident=dispatched, latitude=SCENE[0], longitude=SCENE[1]
    )
    assert services.arrival_check(dispatched, *FAR)["propose"] is False
    assert services.arrival_check(dispatched, *NEAR, 10)["propose"] is True
    tapped = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    frozen.shift(dt.timedelta(minutes=5))  # the tap reaches the station later (no network)
    step = services.incident_step(
        actor=patrol,
        incident=dispatched,
        step="arrive",
        at=tapped,
        latitude=NEAR[0],
        longitude=NEAR[1],
    )
    dispatched.refresh_from_db()
    assert dispatched.status == "arrived" and dispatched.arrived_at == tapped
    assert 40 < step.distance_m < 80
    with pytest.raises(ValidationError, match="已经登记"):
        services.incident_step(actor=patrol, incident=dispatched, step="arrive")


def test_steps_follow_the_incident_and_refuse_bad_input(dispatched, patrol, charlie):
    with pytest.raises(ValidationError):
        services.incident_step(actor=patrol, incident=dispatched, step="handle")  # not arrived yet
    with pytest.raises(ValidationError, match="位置"):
        services.incident_step(
            actor=patrol, incident=dispatched, step="arrive", latitude=95, longitude=1
        )
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    with pytest.raises(ValidationError, match="手机时间"):
        services.incident_step(actor=patrol, incident=dispatched, step="arrive", at=future)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.incident_step(actor=charlie, incident=dispatched, step="arrive")
    assert not FieldStep.objects.exists()


def _item(kind, data, cid=None):
    return {"client_id": str(cid or uuid.uuid4()), "kind": kind, "data": data}


def test_sync_is_idempotent_and_goes_on_past_refusals(dispatched, patrol, client, login):
    login(client, patrol)
    log = _item(
        "worklog",
        {"kind": "visit", "place": "西街12号", "occurred_at": "2026-03-02T09:00:00+08:00"},
    )
    bad = _item(
        "worklog", {"kind": "visit", "place": "", "occurred_at": "2026-03-02T09:00:00+08:00"}
    )
    gone = _item("incident_step", {"incident": 999999, "step": "arrive"})
    arrive = _item("incident_step", {"incident": dispatched.pk, "step": "arrive"})
    body = {"items": [log, bad, gone, arrive]}
    first = client.post("/api/field/sync/", json.dumps(body), content_type="application/json")
    assert first.status_code == 200
    states = [r["state"] for r in first.json()["receipts"]]
    assert states == ["applied", "refused", "refused", "applied"]
    assert "地点" in first.json()["receipts"][1]["result"]["error"]
    # The phone did not hear the answer and sends the whole queue again: nothing doubles.
    again = client.post("/api/field/sync/", json.dumps(body), content_type="application/json")
    assert again.json()["receipts"] == first.json()["receipts"]
    assert WorkLogEntry.objects.count() == 1 and FieldStep.objects.count() == 1
    assert SyncReceipt.objects.count() == 4


def test_another_users_id_is_not_theirs(dispatched, patrol, duty):
    cid = uuid.uuid4()
    services.sync_item(actor=patrol, client_id=cid, kind="worklog", data={"kind": "x"})
    with pytest.raises(ValidationError):
        services.sync_item(actor=duty, client_id=cid, kind="worklog", data={})


def test_a_record_changed_meanwhile_is_a_conflict_not_an_overwrite(dispatched, patrol, duty):
    version = services.record_version(dispatched)
    dispatched.disposition = "指挥室补充:双方已分开"
    dispatched.save()
    r = services.sync_item(
        actor=patrol,
        client_id=uuid.uuid4(),
        kind="incident_note",
        data={"incident": dispatched.pk, "note": "现场已调解", "version": version},
    )
    assert r.state == "conflict" and r.result["current"]["disposition"] == "指挥室补充:双方已分开"
    dispatched.refresh_from_db()
    assert dispatched.disposition == "指挥室补充:双方已分开"
    fresh = services.record_version(dispatched)
    ok = services.sync_item(
        actor=patrol,
        client_id=uuid.uuid4(),
        kind="incident_note",
        data={"incident": dispatched.pk, "note": "现场已调解", "version": fresh},
    )
    assert ok.state == "applied"
    dispatched.refresh_from_db()
    assert dispatched.disposition.endswith("现场已调解")


def test_an_item_for_a_record_no_longer_visible_is_refused_clearly(dispatched, patrol, charlie):
    r = services.sync_item(
        actor=charlie,
        client_id=uuid.uuid4(),
        kind="incident_step",
        data={"incident": dispatched.pk, "step": "arrive"},
    )
    assert r.state == "refused" and "无权" in r.result["error"]


def test_sync_refuses_a_malformed_batch(patrol, client, login):
    login(client, patrol)
    resp = client.post(
        "/api/field/sync/",
        json.dumps({"items": [{"client_id": "x"}]}),
        content_type="application/json",
    )
    assert resp.status_code == 400
    many = {"items": [_item("worklog", {}) for _ in range(101)]}
    resp = client.post("/api/field/sync/", json.dumps(many), content_type="application/json")
    assert resp.status_code == 400 and not SyncReceipt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_copies_at_once_apply_once(station, community_a):
    """Two phones' retries of the same entry arriving together (PostgreSQL: real concurrency)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the concurrent case is PostgreSQL's")
    from tests.factories import UserFactory

    officer = UserFactory(role="community_officer", station=station)
    cid = uuid.uuid4()
    data = {"kind": "patrol", "place": "江湾壹号", "occurred_at": "2026-03-02T09:00:00+08:00"}
    results, barrier = [], threading.Barrier(4)

    def send():
        barrier.wait()
        try:
            results.append(
                services.sync_item(actor=officer, client_id=cid, kind="worklog", data=data).state
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["applied"] * 4
    assert WorkLogEntry.objects.count() == 1


def test_step_page_flow(dispatched, patrol, client, login):
    login(client, patrol)
    url = reverse("field:step", args=[dispatched.pk])
    resp = client.post(
        url, {"step": "arrive", "latitude": NEAR[0], "longitude": NEAR[1]}, follow=True
    )
    assert "已登记" in resp.content.decode()
    resp = client.post(url, {"step": "arrive"}, follow=True)
    assert "已经登记" in resp.content.decode()
    home = client.get(reverse("field:home"))
    assert dispatched.reference in home.content.decode()
