"""Huey jobs of imports. Thin: they call services."""

from huey.contrib.djhuey import db_task

from fengqiao.exchange import services


@db_task()
def validate_import(job_id: int) -> str:
    return services.import_job_validate(job_id).status


@db_task()
def commit_import(job_id: int) -> str:
    return services.import_job_commit(job_id).status
