"""Huey jobs of imports. Thin: they call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fengqiao.exchange import exports, services


@db_task()
def validate_import(job_id: int) -> str:
    return services.import_job_validate(job_id).status


@db_task()
def commit_import(job_id: int) -> str:
    return services.import_job_commit(job_id).status


@db_task()
def run_export(record_id: int) -> str:
    return exports.export_job_run(record_id).status


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_import_files() -> int:
    """Nightly: delete uploaded spreadsheets older than IMPORT_FILE_RETENTION_DAYS and export files
    older than EXPORT_FILE_RETENTION_DAYS."""
    return services.import_files_purge() + services.export_files_purge()
