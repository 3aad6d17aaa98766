"""Uploaded spreadsheets hold personal data: deleted after IMPORT_FILE_RETENTION_DAYS, the job record kept."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from fengqiao.exchange import services
from fengqiao.exchange.choices import ImportStatus
from fengqiao.exchange.models import ImportJob
from tests.exchange.conftest import person_row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def validated_job(user, rows=3):
    job = services.import_job_create(
        actor=user,
        kind="persons",
        upload=upload("人员.xlsx", xlsx_bytes([person_row(i) for i in range(1, rows + 1)])),
    )
    return services.import_job_validate(job.pk)


def age(job, days):
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


def test_old_done_job_loses_its_file_and_rows_but_keeps_its_record(alice, community_a, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    job = validated_job(alice)
    services.import_job_commit_start(actor=alice, job=job, mode="all")
    job = services.import_job_commit(job.pk)
    path = Path(job.file.path)
    rows = Path(job.file.path + ".rows.json")
    assert path.exists() and rows.exists()
    age(job, 31)

    assert services.import_files_purge() == 1

    job.refresh_from_db()
    assert not path.exists() and not rows.exists()
    assert job.file.name == ""
    assert job.status == ImportStatus.DONE and job.created_count == 3  # the record stays


def test_recent_files_are_kept(alice, community_a):
    job = validated_job(alice)
    age(job, 29)
    assert services.import_files_purge(keep_days=30) == 0
    job.refresh_from_db()
    assert Path(job.file.path).exists() and job.status == ImportStatus.VALIDATED


def test_a_job_never_committed_is_marked_failed_with_the_reason(alice, community_a):
    job = validated_job(alice)
    age(job, 40)
    services.import_files_purge(keep_days=30)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "保留期限" in job.summary and job.finished_at


def test_a_job_being_committed_is_left_for_the_next_run(alice, community_a):
    job = validated_job(alice)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING)
    age(job, 40)
    assert services.import_files_purge(keep_days=30) == 0
    job.refresh_from_db()
    assert Path(job.file.path).exists()


def test_purge_is_idempotent_and_the_command_reports(alice, community_a, capsys):
    job = validated_job(alice)
    age(job, 40)
    call_command("purge_imports", "--days", "30")
    assert "deleted 1" in capsys.readouterr().out
    call_command("purge_imports", "--days", "30")
    assert "deleted 0" in capsys.readouterr().out


def test_nightly_task_is_scheduled():
    from fengqiao.exchange import tasks

    assert tasks.purge_import_files.task_class().validate_datetime(dt.datetime(2026, 11, 30, 3, 17))
    assert not tasks.purge_import_files.task_class().validate_datetime(
        dt.datetime(2026, 11, 30, 3, 18)
    )
