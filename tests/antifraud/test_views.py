import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fengqiao.antifraud import services
from fengqiao.antifraud.figures import figures_for
from fengqiao.antifraud.models import FraudCase, PublicityActivity, PublicityContent, Warning
from fengqiao.core.models import PersonalDataAccess
from tests.antifraud.conftest import NOW
from tests.antifraud.factories import upload, xlsx_bytes

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def warning_a(station, shua_dan, bob, resident):
    return services.warning_receive(
        actor=None,
        station=station,
        fraud_type=shua_dan,
        name="王芳",
        phone=resident.phone,
        risk_level="high",
        received_at=NOW,
    )


@pytest.fixture
def warning_b(station, shua_dan, resident_b):
    return services.warning_receive(
        actor=None,
        station=station,
        fraud_type=shua_dan,
        name="李强",
        phone=resident_b.phone,
        risk_level="low",
        received_at=NOW,
    )


def test_list_masks_phones_and_filters(alice_client, warning_a, warning_b):
    page = alice_client.get(reverse("antifraud:warning_list")).content.decode()
    assert warning_a.reference in page and warning_b.reference in page
    assert "139****1111" in page and "13900001111" not in page
    page = alice_client.get(reverse("antifraud:warning_list"), {"level": "low"}).content.decode()
    assert warning_a.reference not in page and warning_b.reference in page
    page = alice_client.get(reverse("antifraud:warning_list"), {"q": "王芳"}).content.decode()
    assert warning_a.reference in page and warning_b.reference not in page


def test_overdue_filter(alice_client, warning_a, warning_b, frozen):
    frozen.shift(dt.timedelta(hours=1))
    page = alice_client.get(reverse("antifraud:warning_list"), {"overdue": "1"}).content.decode()
    assert warning_a.reference in page and warning_b.reference not in page


def test_charlie_sees_nothing_of_another_station(charlie_client, warning_a):
    assert (
        warning_a.reference
        not in charlie_client.get(reverse("antifraud:warning_list")).content.decode()
    )
    assert charlie_client.get(warning_a.get_absolute_url()).status_code == 404
    url = reverse("antifraud:warning_action", args=[warning_a.pk, "attempt"])
    assert charlie_client.post(url, {"method": "phone", "result": "x"}).status_code == 404


def test_bob_records_on_his_community_but_not_on_another(bob_client, warning_a, warning_b):
    url = reverse("antifraud:warning_action", args=[warning_a.pk, "attempt"])
    response = bob_client.post(
        url, {"method": "visit", "result": "上门劝阻", "reached": "on", "checks": ["app", "paid"]}
    )
    assert response.status_code == 302
    assert warning_a.attempts.get().checklist == {"app": True, "paid": True}
    url = reverse("antifraud:warning_action", args=[warning_b.pk, "attempt"])
    assert bob_client.post(url, {"method": "phone", "result": "x"}).status_code == 403
    detail = bob_client.get(warning_b.get_absolute_url()).content.decode()
    assert "attempt-form" not in detail


def test_outcome_defrauded_without_loss_shows_the_error_and_keeps_the_warning_open(
    bob_client, warning_a
):
    services.attempt_record(actor=warning_a.officer, warning=warning_a, method="phone", result="x")
    url = reverse("antifraud:warning_action", args=[warning_a.pk, "outcome"])
    response = bob_client.post(url, {"outcome": "defrauded", "loss": ""})
    assert response.status_code == 400 and "损失金额" in response.content.decode()
    warning_a.refresh_from_db()
    assert warning_a.is_open


def test_outcome_defrauded_via_page(bob_client, warning_a):
    services.attempt_record(actor=warning_a.officer, warning=warning_a, method="phone", result="x")
    url = reverse("antifraud:warning_action", args=[warning_a.pk, "outcome"])
    assert bob_client.post(url, {"outcome": "defrauded", "loss": "12000"}).status_code == 302
    assert FraudCase.objects.get().loss == Decimal("12000.00")


def test_reveal_is_logged(bob_client, warning_a):
    response = bob_client.post(reverse("antifraud:warning_action", args=[warning_a.pk, "reveal"]))
    assert "13900001111" in response.content.decode()
    assert PersonalDataAccess.objects.filter(
        object_id=warning_a.pk, fields=["phone", "id_number", "address"]
    ).exists()


def test_reveal_records_its_channel_and_request_like_every_other_view(bob_client, bob, warning_a):
    """The reveal was written by the view itself, without its channel (issue 22); it now goes
    through the one recording function, as the registry, cases and incidents reveals do."""
    response = bob_client.post(reverse("antifraud:warning_action", args=[warning_a.pk, "reveal"]))
    access = PersonalDataAccess.objects.get(object_id=warning_a.pk)
    assert (access.user, access.user_name, access.station_id) == (
        bob,
        bob.display_name,
        warning_a.station_id,
    )
    assert (access.channel, access.purpose) == ("web", "反诈劝阻联系")
    assert access.request_id and access.request_id == response["X-Request-ID"]


def test_manual_entry_refuses_bad_input_and_keeps_it(alice_client, shua_dan):
    data = {
        "name": "张三",
        "phone": "",
        "id_number": "",
        "risk_level": "high",
        "fraud_type": shua_dan.pk,
        "received_at": "2026-03-02T09:00",
    }
    response = alice_client.post(reverse("antifraud:warning_create"), data)
    page = response.content.decode()
    assert response.status_code == 400 and "手机号或身份证号" in page and 'value="张三"' in page
    data.update(phone="13800000000", received_at="2026-03-03T09:00")
    response = alice_client.post(reverse("antifraud:warning_create"), data)
    assert response.status_code == 400 and "晚于当前时间" in response.content.decode()
    data.update(received_at="2026-03-02T09:00")
    response = alice_client.post(reverse("antifraud:warning_create"), data)
    assert response.status_code == 302 and Warning.objects.get().source == "manual"


def test_charlie_cannot_import_into_alices_job(alice, charlie_client, bob, resident):
    from fengqiao.antifraud import importing

    row = ("ZX-1", "王芳", "13900001111", "", "", "高", "刷单返利", "2026-03-02 09:50", "")
    job = importing.import_upload(actor=alice, upload=upload(xlsx_bytes([row])))
    assert charlie_client.get(reverse("antifraud:import_detail", args=[job.pk])).status_code == 404


def test_import_pages(alice_client, bob, resident):
    row = ("ZX-1", "王芳", "13900001111", "", "", "高", "刷单返利", "2026-03-02 09:50", "")
    bad = ("ZX-2", "李四", "13900001112", "", "", "高", "刷单返利", "2026-13-02 09:50", "")
    response = alice_client.post(
        reverse("antifraud:import_upload"), {"file": upload(xlsx_bytes([row, bad]))}
    )
    assert response.status_code == 302
    page = alice_client.get(response["Location"]).content.decode()
    assert "2026-13-02" in page and "不存在" in page
    response = alice_client.post(response["Location"], {"mode": "valid_only"})
    assert response.status_code == 302 and Warning.objects.count() == 1
    bad_file = alice_client.post(
        reverse("antifraud:import_upload"), {"file": upload(b"junk", "x.xlsx")}
    )
    assert bad_file.status_code == 400 and "不是有效的 Excel" in bad_file.content.decode()


def test_feedback_export(alice_client, bob, login, warning_a):
    services.attempt_record(actor=warning_a.officer, warning=warning_a, method="phone", result="x")
    services.warning_close(
        actor=warning_a.officer, warning=warning_a, outcome="dissuaded", amount_protected="800"
    )
    response = alice_client.get(reverse("antifraud:warning_list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][0] == "预警编号" and rows[1][0] == warning_a.reference
    assert rows[1][4] == "13900001111" and rows[1][17] == "劝阻成功" and rows[1][18] == 800
    assert PersonalDataAccess.objects.filter(
        object_id=warning_a.pk, channel="export", user__username="alice"
    ).exists()
    from fengqiao.exchange.models import ExportRecord

    record = ExportRecord.objects.get(user__username="alice")
    assert (record.kind, record.masked, record.row_count) == ("fraud_warnings", False, 1)
    bob_client = login(alice_client, bob)
    response = bob_client.get(reverse("antifraud:warning_list"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[1][4] == "139****1111"
    assert not PersonalDataAccess.objects.filter(channel="export", user=bob).exists()
    assert ExportRecord.objects.get(user=bob).masked


def test_my_queue_and_work_queue(bob_client, bob, command, warning_a, station, shua_dan):
    from fengqiao.core import workqueue

    def items_for(
        user, now
    ):  # the queue's own items (notifications are listed by their provider too)
        return [i for i in workqueue.items_for(user, now) if i.kind in ("clock", "fraud_warning")]

    assert warning_a.reference in bob_client.get(reverse("antifraud:my_queue")).content.decode()
    # before contact: the contact clock is the queue item (once), due at the deadline
    items = [i for i in items_for(bob, NOW) if warning_a.reference in i.title]
    assert (
        len(items) == 1 and items[0].kind == "clock" and items[0].due_at == warning_a.contact_due_at
    )
    services.attempt_record(actor=bob, warning=warning_a, method="phone", result="x")
    items = [i for i in items_for(bob, NOW) if warning_a.reference in i.title]
    assert len(items) == 1 and items[0].kind == "fraud_warning" and "待办结" in items[0].title
    lost = services.warning_receive(
        actor=None,
        station=station,
        fraud_type=shua_dan,
        name="外地人",
        phone="13700009999",
        risk_level="high",
        received_at=NOW,
    )
    items = [i for i in items_for(command, NOW) if lost.reference in i.title]
    assert len(items) == 1 and "待分派" in items[0].title and items[0].level == "orange"


def _case(station, fraud_type, day, loss, **kw):
    return FraudCase.objects.create(
        station=station,
        reference=f"ZP-{day}-{loss}",
        occurred_on=day,
        fraud_type=fraud_type,
        loss=Decimal(loss),
        **kw,
    )


def test_year_on_year_figures_come_from_the_records(alice, alice_client, station, shua_dan):
    for i in range(75):
        _case(station, shua_dan, dt.date(2022, 1 + i % 12, 1 + i % 28), "1000" if i else "3426000")
    for i in range(44):
        _case(
            station,
            shua_dan,
            dt.date(2023, 1 + i % 12, 1 + i % 28),
            "1000" if i else "1466000",
            solved=i < 10,
            suspects_caught=1 if i < 5 else 0,
        )
    fig = figures_for(alice, year=2023)
    row = {r["year"]: r for r in fig["year_rows"]}[2023]
    assert row["cases"] == 44 and row["cases_change"] == -41.3
    loss_2022, loss_2023 = 3426000 + 74 * 1000, 1466000 + 43 * 1000
    assert row["loss"] == loss_2023 and row["loss_change"] == round(
        (loss_2023 - loss_2022) / loss_2022 * 100, 1
    )
    assert row["solved"] == 10 and row["suspects"] == 5
    assert sum(r["cases"] for r in fig["month_rows"]) == 44
    page = alice_client.get(reverse("antifraud:figures"), {"year": 2023}).content.decode()
    assert "-41.3%" in page and 'id="fraud-figures-data"' in page


def test_contact_time_figures(alice, station, shua_dan, bob, resident, frozen):
    w = services.warning_receive(
        actor=None,
        station=station,
        fraud_type=shua_dan,
        name="王芳",
        phone=resident.phone,
        risk_level="high",
        received_at=NOW,
    )
    frozen.shift(dt.timedelta(minutes=20))
    services.attempt_record(actor=bob, warning=w, method="phone", result="x")
    services.warning_close(actor=bob, warning=w, outcome="dissuaded", amount_protected="100")
    current = figures_for(alice, year=2026)["current"]
    assert current["median_min"] == 20.0 and current["on_time_pct"] == 100.0
    assert current["dissuaded"] == 1 and current["protected"] == 100.0 and current["handled"] == 1


def test_charlie_figures_exclude_other_station(charlie, station, shua_dan):
    _case(station, shua_dan, dt.date(2025, 1, 1), "100")
    assert figures_for(charlie, year=2025)["current"]["cases"] == 0


def test_fraud_case_form_refuses_bad_input(alice_client, shua_dan, client, bob, login):
    data = {
        "occurred_on": "2026-03-01",
        "fraud_type": shua_dan.pk,
        "loss": "-5",
        "suspects_caught": 0,
    }
    response = alice_client.post(reverse("antifraud:case_list"), data)
    assert response.status_code == 400 and "负数" in response.content.decode()
    data["loss"] = "5000"
    assert alice_client.post(reverse("antifraud:case_list"), data).status_code == 302
    assert FraudCase.objects.get().loss == Decimal("5000.00")
    login(client, bob)
    assert client.post(reverse("antifraud:case_list"), data).status_code == 403


def test_publicity_activity_and_content_updates(bob_client, bob, community_a):
    data = {
        "date": "2026-03-01",
        "place": "江湾壹号反诈广场",
        "kind": "square",
        "audience": 120,
        "latitude": 29.21,
        "longitude": 103.95,
        "community": community_a.pk,
    }
    assert bob_client.post(reverse("antifraud:publicity"), data).status_code == 302
    activity = PublicityActivity.objects.get()
    assert activity.officer == bob and activity.audience == 120
    page = bob_client.get(reverse("antifraud:publicity")).content.decode()
    assert 'id="publicity-points"' in page and "江湾壹号反诈广场" in page
    data.update(date="2026-03-09")
    response = bob_client.post(reverse("antifraud:publicity"), data)
    assert response.status_code == 400 and "未举办" in response.content.decode()
    bob_client.post(
        reverse("antifraud:content_create"),
        {"kind": "slogan", "title": "刷单", "body": "刷单就是诈骗"},
    )
    content = PublicityContent.objects.get()
    bob_client.post(
        reverse("antifraud:content_edit", args=[content.pk]),
        {"title": "刷单", "body": "凡是刷单都是诈骗", "active": "on", "note": "换新标语"},
    )
    content.refresh_from_db()
    assert (
        content.body == "凡是刷单都是诈骗" and content.updates.get().previous_body == "刷单就是诈骗"
    )


def test_charlie_sees_no_publicity_of_another_station(charlie_client, bob, station):
    services.activity_create(
        actor=bob, date=dt.date(2026, 3, 1), place="江湾壹号反诈广场", kind="square", audience=5
    )
    assert "江湾壹号" not in charlie_client.get(reverse("antifraud:publicity")).content.decode()


def test_fraud_types_are_edited_by_administrators_only(alice_client, client, rules_admin, login):
    response = alice_client.post(
        reverse("antifraud:type_list"), {"code": "NEW", "name": "新型", "sort": 1}
    )
    assert response.status_code == 403
    login(client, rules_admin)
    assert (
        client.post(
            reverse("antifraud:type_list"),
            {"code": "new", "name": "新型", "active": "on", "sort": 1},
        ).status_code
        == 302
    )
    response = client.post(
        reverse("antifraud:type_list"), {"code": "NEW2", "name": "刷单返利", "sort": 1}
    )
    assert response.status_code == 400 and "已存在" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "warning_list",
        "my_queue",
        "figures",
        "case_list",
        "type_list",
        "publicity",
        "import_upload",
        "warning_create",
    ],
)
def test_pages_answer(alice_client, name):
    assert alice_client.get(reverse(f"antifraud:{name}")).status_code == 200


def test_pages_need_login(client, db):
    # db: on PostgreSQL every request runs in a transaction that sets its station scope (core/rls.py)
    assert client.get(reverse("antifraud:warning_list")).status_code == 302


def test_defrauded_falls_back_to_the_criminal_category(bob, warning_a):
    from fengqiao.incidents.models import IncidentCategory

    IncidentCategory.objects.filter(name="诈骗").update(active=False)
    services.attempt_record(actor=bob, warning=warning_a, method="phone", result="已转账")
    services.warning_close(actor=bob, warning=warning_a, outcome="defrauded", loss="100")
    assert FraudCase.objects.get().incident.category.name == "刑事"
