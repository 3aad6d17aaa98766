"""Import pages: upload, dry-run page with the bad rows, commit buttons, progress fragment, downloads."""

import io

import pytest
from openpyxl import load_workbook

from fengqiao.accounts.choices import Role
from fengqiao.exchange.models import ImportJob
from fengqiao.registry.models import Person
from tests.exchange.conftest import person_row, xlsx_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_file(client, data: bytes, name="人员.xlsx", kind="persons"):
    return client.post(f"/exchange/import/{kind}/", {"file": _named(data, name)})


def _named(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def _bad_file():
    rows = [person_row(1), person_row(2, phone="12345"), person_row(3)]
    return xlsx_bytes(rows)


def test_upload_page_states_the_limits_and_links_the_template(alice_client, settings):
    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    settings.IMPORT_MAX_ROWS = 200_000
    body = alice_client.get("/exchange/import/persons/").content.decode()
    assert "文件不超过 20 MB,不超过 200,000 行数据" in body
    assert "/exchange/import/persons/template.xlsx" in body


def test_upload_runs_the_dry_run_and_shows_each_bad_row(alice_client, community_a):
    response = post_file(alice_client, _bad_file())
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exchange/jobs/{job.pk}/"
    body = alice_client.get(response["Location"]).content.decode()
    assert "第 3 行" in body and "手机号" in body and "电话号码格式不正确" in body
    assert "尚未写入任何数据" in body
    assert Person.objects.count() == 0


def test_bad_file_shows_the_message_on_the_job_page(alice_client, community_a):
    response = post_file(alice_client, b"not a workbook at all", name="人员.xlsx")
    body = alice_client.get(response["Location"]).content.decode()
    assert "不是有效的 Excel" in body and "失败" in body


def test_oversized_file_is_refused_on_the_upload_page(alice_client, community_a, settings):
    settings.IMPORT_MAX_BYTES = 1024
    response = post_file(alice_client, b"x" * 5000, name="人员.csv")
    assert response.status_code == 200
    assert "超过上限" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_all_button_is_disabled_while_rows_are_bad_and_posting_it_is_refused(
    alice_client, community_a
):
    job_url = post_file(alice_client, _bad_file())["Location"]
    job = ImportJob.objects.get()
    response = alice_client.post(f"/exchange/jobs/{job.pk}/commit/", {"mode": "all"}, follow=True)
    assert "不能全部导入" in response.content.decode()
    assert Person.objects.count() == 0
    assert job_url


def test_valid_only_commit_imports_and_links_the_list(alice_client, community_a):
    post_file(alice_client, _bad_file())
    job = ImportJob.objects.get()
    response = alice_client.post(
        f"/exchange/jobs/{job.pk}/commit/", {"mode": "valid_only"}, follow=True
    )
    body = response.content.decode()
    assert Person.objects.count() == 2
    assert "已导入实有人口 2 条" in body and "/registry/persons/" in body


def test_double_post_of_commit_imports_once(alice_client, community_a):
    post_file(alice_client, xlsx_bytes([person_row(1), person_row(2)]))
    job = ImportJob.objects.get()
    alice_client.post(f"/exchange/jobs/{job.pk}/commit/", {"mode": "all"})
    response = alice_client.post(f"/exchange/jobs/{job.pk}/commit/", {"mode": "all"}, follow=True)
    assert "不会重复导入" in response.content.decode()
    assert Person.objects.count() == 2


def test_progress_fragment_polls_while_running_with_a_progress_bar(
    alice_client, alice, community_a
):
    post_file(alice_client, xlsx_bytes([person_row(1)]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status="validating", total_rows=200, processed_rows=50
    )
    body = alice_client.get(f"/exchange/jobs/{job.pk}/status/").content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert '<progress class="progress" value="50" max="200">' in body
    assert "style=" not in body


def test_progress_fragment_asks_for_a_reload_when_the_job_has_finished(alice_client, community_a):
    post_file(alice_client, xlsx_bytes([person_row(1)]))
    job = ImportJob.objects.get()
    response = alice_client.get(f"/exchange/jobs/{job.pk}/status/", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()


def test_errors_download_lists_row_column_and_problem(alice_client, community_a):
    post_file(alice_client, _bad_file())
    job = ImportJob.objects.get()
    response = alice_client.get(f"/exchange/jobs/{job.pk}/errors.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0] == ("行号", "列", "内容", "问题")
    assert rows[1][:3] == (3, "手机号", "12345")


def test_template_has_headers_example_and_an_explanation_sheet(alice_client):
    response = alice_client.get("/exchange/import/houses/template.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["房屋", "说明"]
    header = [c.value for c in workbook["房屋"][1]]
    assert header[:3] == ["社区", "街路巷/小区", "门牌号"] and "用途" in header
    assert workbook["房屋"].max_row == 2
    assert workbook["说明"]["A1"].value == "列名"


def test_the_template_itself_imports_after_filling_the_example(alice_client, community_a):
    response = alice_client.get("/exchange/import/persons/template.xlsx")
    post_file(alice_client, b"".join(response.streaming_content))
    job = ImportJob.objects.get()
    assert job.status == "validated", job.summary
    assert job.valid_count == 1, job.errors


def test_another_users_job_is_not_found(client, login, alice_client, community_a, station):
    post_file(alice_client, xlsx_bytes([person_row(1)]))
    job = ImportJob.objects.get()
    other = UserFactory(role=Role.STATION_LEADER, station=station)
    client = login(client, other)
    assert client.get(f"/exchange/jobs/{job.pk}/").status_code == 404
    assert client.post(f"/exchange/jobs/{job.pk}/commit/", {"mode": "all"}).status_code == 404


def test_roles_without_import_right_get_a_403(client, login, station):
    user = UserFactory(role=Role.CASE_OFFICER, station=station)
    assert login(client, user).get("/exchange/import/persons/").status_code == 403


def test_job_list_shows_my_jobs(alice_client, community_a):
    post_file(alice_client, xlsx_bytes([person_row(1)]), name="三月人口.xlsx")
    assert "三月人口.xlsx" in alice_client.get("/exchange/").content.decode()


def test_registry_lists_link_to_import_and_export(alice_client, community_a):
    body = alice_client.get(f"/registry/persons/?community={community_a.pk}").content.decode()
    assert f'href="/exchange/export/person/?community={community_a.pk}"' in body
    assert 'href="/exchange/import/person/"' in body
    assert alice_client.get("/exchange/import/person/").status_code == 200
    body = alice_client.get("/registry/addresses/").content.decode()
    assert 'href="/exchange/export/address/"' in body


def test_unknown_import_kind_is_404(alice_client):
    assert alice_client.get("/exchange/import/addresses/").status_code == 404
