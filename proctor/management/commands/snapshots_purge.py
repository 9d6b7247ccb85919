"""`manage.py snapshots_purge [--days N]`: delete snapshot images past retention, keep their records."""

from django.core.management.base import BaseCommand

from ...services.retention import snapshots_purge


class Command(BaseCommand):
    help = "Delete snapshot images older than SNAPSHOT_RETENTION_DAYS (or --days); log entries stay."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days, **options):
        self.stdout.write(f"Purged {snapshots_purge(days=days)} snapshot images.")
