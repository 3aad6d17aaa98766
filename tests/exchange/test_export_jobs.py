"""Long exports run as a background job with progress; only their owner sees and downloads them."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from fengqiao.core.models import PersonalDataAccess
from fengqiao.exchange import exports, services
from fengqiao.exchange.choices import ExportStatus
from fengqiao.exchange.models import ExportRecord
from tests.exchange.test_export import rows_of
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(community_a, community_b):
    return [PersonFactory(community=community_a) for _ in range(4)] + [
        PersonFactory(community=community_b)
    ]


@pytest.fixture(autouse=True)
def _long_lists(settings):
    settings.EXPORT_INLINE_ROWS = 2  # anything longer goes to the background job


def test_a_short_list_still_downloads_at_once(alice_client, community_a, settings):
    settings.EXPORT_INLINE_ROWS = 100
    PersonFactory(community=community_a)
    header, *data = rows_of(alice_client.get("/exchange/export/persons/"))
    assert len(data) == 1
    assert (
        ExportRecord.objects.get().status == ExportStatus.DONE
        and not ExportRecord.objects.get().file
    )


def test_a_long_list_is_written_in_the_background_and_downloaded_by_its_owner(
    alice_client, alice, many
):
    response = alice_client.get("/exchange/export/persons/")
    record = ExportRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exchange/exports/{record.pk}/"
    # Huey runs immediately in these tests: the job has finished
    assert (
        record.status == ExportStatus.DONE and record.row_count == 5 and record.processed_rows == 5
    )
    page = alice_client.get(response["Location"]).content.decode()
    assert "下载" in page and record.filename in page
    header, *data = rows_of(alice_client.get(f"/exchange/exports/{record.pk}/download/"))
    assert len(data) == 5
    # unmasked for the leader: each person's data leaving the system is recorded
    assert PersonalDataAccess.objects.filter(channel="export").count() == 5
    assert f"导出记录#{record.pk}" in PersonalDataAccess.objects.first().purpose
    assert "我的导出" in alice_client.get("/exchange/exports/").content.decode()


def test_the_job_keeps_the_filter_and_the_scope_of_the_user(bob_client, bob, many, community_a):
    response = bob_client.get(f"/exchange/export/persons/?community={community_a.pk}")
    record = ExportRecord.objects.get()
    assert response.status_code == 302 and record.user == bob and record.masked
    header, *data = rows_of(bob_client.get(f"/exchange/exports/{record.pk}/download/"))
    assert len(data) == 4
    assert all("*" in (row[header.index("手机号")] or "*") for row in data)
    assert not PersonalDataAccess.objects.filter(channel="export").exists()


def test_nobody_else_sees_or_downloads_an_export(login, alice, bob, charlie, many):
    from django.test import Client

    login(Client(), alice).get("/exchange/export/persons/")
    record = ExportRecord.objects.get()
    assert record.user == alice
    for other in (login(Client(), charlie), login(Client(), bob)):
        assert other.get(f"/exchange/exports/{record.pk}/").status_code == 404
        assert other.get(f"/exchange/exports/{record.pk}/download/").status_code == 404
        assert other.get(f"/exchange/exports/{record.pk}/status/").status_code == 404


def test_progress_fragment_polls_while_running_and_refreshes_when_done(alice, alice_client, many):
    record = exports.export_job_start(actor=alice, kind="persons")
    fragment = alice_client.get(f"/exchange/exports/{record.pk}/status/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in fragment.content.decode() and "HX-Refresh" not in fragment
    assert (
        alice_client.get(f"/exchange/exports/{record.pk}/download/").status_code == 404
    )  # not ready
    exports.export_job_run(record.pk)
    fragment = alice_client.get(f"/exchange/exports/{record.pk}/status/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"


def test_a_job_run_twice_writes_once(alice, many):
    record = exports.export_job_start(actor=alice, kind="persons")
    exports.export_job_run(record.pk)
    exports.export_job_run(record.pk)
    assert PersonalDataAccess.objects.filter(channel="export").count() == 5


def test_a_failing_job_is_marked_failed_with_a_message(alice, alice_client, many, monkeypatch):
    record = exports.export_job_start(actor=alice, kind="persons")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "_write", broken)
    record = exports.export_job_run(record.pk)
    assert record.status == ExportStatus.FAILED and "导出失败" in record.summary
    assert "导出失败" in alice_client.get(f"/exchange/exports/{record.pk}/").content.decode()


def test_old_export_files_are_deleted_and_the_record_kept(alice_client, many):
    alice_client.get("/exchange/export/persons/")
    record = ExportRecord.objects.get()
    path = Path(record.file.path)
    assert path.exists()
    ExportRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    assert services.export_files_purge(keep_days=7) == 1
    record.refresh_from_db()
    assert not path.exists() and record.file.name == "" and record.row_count == 5
    assert alice_client.get(f"/exchange/exports/{record.pk}/download/").status_code == 404
    assert "重新导出" in alice_client.get(f"/exchange/exports/{record.pk}/").content.decode()
