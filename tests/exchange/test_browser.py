"""An import in a real browser: a file with a bad row shows that row's error on the dry-run page, and
nothing is written until the user chooses to import only the good rows."""

import pytest

from fengqiao.registry.models import Person
from tests.browser import browser_login
from tests.exchange.conftest import person_row, xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_bad_row_is_shown_on_the_dry_run_page_and_nothing_is_written(
    page, live_server, alice, community_a
):
    rows = [person_row(1), person_row(2, phone="12345"), person_row(3)]
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/registry/persons/")
    page.click("text=导入")
    page.wait_for_url("**/exchange/import/person/")
    assert "文件不超过" in page.inner_text("p.limits")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "三月人口.xlsx", "mimeType": XLSX, "buffer": xlsx_bytes(rows)}],
    )
    page.click("button[type=submit].primary")
    page.wait_for_url("**/exchange/jobs/*/")
    table = page.locator("table.import-errors")
    assert "第 3 行" in table.inner_text()
    assert "手机号" in table.inner_text() and "电话号码格式不正确" in table.inner_text()
    assert page.inner_text(".count-invalid") == "1"
    assert page.locator("button[value=all]").is_disabled()
    assert Person.objects.count() == 0

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=valid_only]")
    page.wait_for_selector("text=已导入实有人口 2 条")
    assert Person.objects.count() == 2
    assert not csp_violations(page)


def test_job_page_polls_progress_and_shows_the_result_when_done(
    page, live_server, alice, community_a
):
    from django.core.files.base import ContentFile

    from fengqiao.exchange.models import ImportJob

    job = ImportJob(
        user=alice, station=alice.station, kind="persons", original_name="大文件.xlsx", size=10
    )
    job.file.save("big.xlsx", ContentFile(b"x"), save=False)
    job.status, job.total_rows, job.processed_rows = "validating", 1000, 250
    job.save()
    browser_login(page, live_server, alice)
    page.goto(f"{live_server.url}/exchange/jobs/{job.pk}/")
    assert page.get_attribute("#job-status progress", "value") == "250"
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=750)
    page.wait_for_selector('#job-status progress[value="750"]')
    ImportJob.objects.filter(pk=job.pk).update(
        status="validated",
        processed_rows=1000,
        valid_count=1000,
        summary="共 1000 行:正确 1000 行,有错误 0 行,可以全部导入",
    )
    page.wait_for_selector("text=可以全部导入")
    assert page.locator("button[value=all]").is_enabled()
    assert not csp_violations(page)
