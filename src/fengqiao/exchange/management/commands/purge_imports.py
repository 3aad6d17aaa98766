"""`fengqiao purge_imports [--days N]`: delete uploaded spreadsheets older than the retention period now."""

from django.core.management.base import BaseCommand

from fengqiao.exchange.services import import_files_purge


class Command(BaseCommand):
    help = (
        "Delete uploaded import files older than IMPORT_FILE_RETENTION_DAYS (the job records stay)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="keep files this many days (default: the setting)",
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            self.stderr.write("--days must be 0 or more")
            raise SystemExit(2)
        count = import_files_purge(keep_days=days)
        self.stdout.write(f"deleted {count} uploaded files")
