"""Scheduled and on-demand report jobs (Huey). Thin: they call the services. Crontab times are the
station's clock (settings.HUEY utc=False)."""

from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fengqiao.core import context


@db_task()
def generate_report(report_id: int, language: str | None = None) -> str:
    from fengqiao.reports.services import report_generate

    with (
        translation.override(language or translation.get_language()),
        context.acting_as(None, source="job"),
    ):
        return report_generate(report_id).status


@db_periodic_task(crontab(day_of_week="5", hour="17", minute="30"))
def weekly_reports():
    """Every Friday 17:30 (after the case room's 17:00 summary): the week's report of every station."""
    from fengqiao.reports.services import scheduled

    with context.acting_as(None, source="job"):
        return scheduled("weekly")


@db_periodic_task(crontab(day="1", hour="6", minute="0"))
def monthly_reports():
    """The 1st of every month, 06:00: last month's report of every station."""
    from fengqiao.reports.services import scheduled

    with context.acting_as(None, source="job"):
        return scheduled("monthly")
