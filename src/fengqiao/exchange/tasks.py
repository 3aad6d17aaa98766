"""Huey jobs of imports. Thin: they call services."""

from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fengqiao.exchange import exports, services

# The row errors and summaries a job stores are written in the language of the user who started it
# (the view passes `translation.get_language()`); without one, the installation's default language.


@db_task()
def validate_import(job_id: int, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        return services.import_job_validate(job_id).status


@db_task()
def commit_import(job_id: int, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        return services.import_job_commit(job_id).status


@db_task()
def run_export(record_id: int, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        return exports.export_job_run(record_id).status


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_import_files() -> int:
    """Nightly: delete uploaded spreadsheets older than IMPORT_FILE_RETENTION_DAYS and export files
    older than EXPORT_FILE_RETENTION_DAYS."""
    return services.import_files_purge() + services.export_files_purge()
