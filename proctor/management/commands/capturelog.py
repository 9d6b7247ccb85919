"""`manage.py capturelog verify`: walk the hash chain and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from ...selectors.capturelog import verify


class Command(BaseCommand):
    help = "Check the capture log's hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="walk the chain from the first entry and report the first broken link")

    def handle(self, *args, action, **options):
        report = verify()
        if report.ok:
            self.stdout.write(f"OK: {report.checked} entries, the chain is intact.")
            return
        where = f"entry {report.broken_id}" if report.broken_id else "the end of the chain"
        raise CommandError(f"BROKEN at {where} after {report.checked} good entries: {report.problem}")
