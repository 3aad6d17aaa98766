"""In a real browser: import the centre's spreadsheet → the warning is assigned to the community
officer → he records a visit with the 四查看/三询问 checklist → closes it as 劝阻成功; the figures page draws."""

import pytest

from fengqiao.antifraud.models import Warning
from tests.antifraud.factories import xlsx_bytes
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_imported_warning_to_recorded_dissuasion(page, live_server, alice, bob, resident, tmp_path):
    from django.utils import timezone

    at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    path = tmp_path / "预警指令.xlsx"
    path.write_bytes(
        xlsx_bytes([("ZX-B1", "王芳", resident.phone, "", "", "高", "刷单返利", at, "疑似刷单")])
    )

    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/antifraud/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('上传并校验')")
    page.wait_for_selector("[data-import-status=checked]")
    page.click("button:has-text('确认导入')")
    page.wait_for_selector("[data-import-status=done]")
    warning = Warning.objects.get(external_id="ZX-B1")
    assert warning.officer == bob and warning.risk_level == "high"
    assert not csp_violations(page)

    page.context.clear_cookies()
    browser_login(page, live_server, bob)
    page.goto(f"{live_server.url}/antifraud/mine/")
    page.click(f"a:has-text('{warning.reference}')")
    page.select_option("select[name=method]", "visit")
    page.check("input[name=reached]")
    page.fill("textarea[name=result]", "上门查看手机,卸载可疑APP")
    page.check("input[name=checks][value=app]")
    page.check("input[name=checks][value=paid]")
    page.click("#attempt-form button[type=submit]")
    page.wait_for_selector("#attempts >> text=上门查看手机")
    page.select_option("select[name=outcome]", "dissuaded")
    page.fill("input[name=amount_protected]", "20000")
    page.click("#outcome-form button[type=submit]")
    page.wait_for_selector("[data-status=closed]")
    warning.refresh_from_db()
    assert warning.outcome == "dissuaded" and warning.first_contact_at is not None
    assert warning.attempts.get().checklist == {"app": True, "paid": True}

    page.goto(f"{live_server.url}/antifraud/figures/")
    page.wait_for_selector("[data-chart=years][data-drawn='1']")
    assert not csp_violations(page)

    from fengqiao.antifraud.services import activity_create

    activity_create(
        actor=bob,
        date=timezone.localdate(),
        place="江湾壹号反诈广场",
        kind="square",
        audience=80,
        latitude=29.21,
        longitude=103.95,
    )
    page.goto(f"{live_server.url}/antifraud/publicity/")
    page.wait_for_selector("#publicity-map[data-features='1']")
    assert not csp_violations(page)
