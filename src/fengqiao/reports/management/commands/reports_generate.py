"""fengqiao reports_generate --kind weekly|monthly [--day YYYY-MM-DD] [--station CODE]: write the
report(s) now, in this process (e.g. after fixing data, or when the Huey worker was down)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fengqiao.core import context


class Command(BaseCommand):
    help = "Generate the weekly or monthly report of the week/month of --day (default: today) for one or every station"

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["weekly", "monthly"], required=True)
        parser.add_argument("--day", help="a day in the period (YYYY-MM-DD); default today")
        parser.add_argument("--station", help="station code; default every station")

    def handle(self, *args, kind, day=None, station=None, **options):
        from django.core.exceptions import ValidationError
        from django.utils import timezone

        from fengqiao.accounts.models import Station
        from fengqiao.reports import services
        from fengqiao.reports.choices import ReportSource

        try:
            day = dt.date.fromisoformat(day) if day else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--day 应为 YYYY-MM-DD:{day}") from exc
        stations = Station.objects.all()
        if station:
            stations = stations.filter(code=station)
            if not stations.exists():
                raise CommandError(f"没有代码为 {station} 的派出所")
        with context.acting_as(None, source="command"):
            for s in stations:
                try:
                    r = services.report_request(
                        actor=None,
                        station=s,
                        kind=kind,
                        day=day,
                        source=ReportSource.SCHEDULE,
                        run=False,
                    )
                except ValidationError as exc:
                    raise CommandError("；".join(exc.messages)) from exc
                r = services.report_generate(r.pk)
                self.stdout.write(
                    f"{s.name}: {r.title} {r.get_status_display()} {r.error}".rstrip()
                )
