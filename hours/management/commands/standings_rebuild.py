"""Recompute the standing table (hours.models.standing) for every certificate."""

import time

from django.core.management.base import BaseCommand

from hours.services.standing import standings_rebuild


class Command(BaseCommand):
    help = "Recompute every certificate's standing row (the dashboard's table) with the hours rules."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=2000, help="certificates per transaction")

    def handle(self, *args, chunk, **options):
        started = time.perf_counter()
        written = standings_rebuild(chunk=chunk)
        self.stdout.write(f"{written} certificate standings written in {time.perf_counter() - started:.1f} s")
