"""Demo data, safe to run again. Each app adds its part through settings.DEMO_SEEDERS."""

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from lms.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create or complete the demo data of every app, and print the demo logins."

    def handle(self, *args, **options):
        logins = []
        for path in settings.DEMO_SEEDERS:
            with transaction.atomic():
                logins.extend(import_string(path)() or [])
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Every password is {DEMO_PASSWORD}"))
        for login, role, organisation in logins:
            self.stdout.write(f"  {pad(login, 16)} {pad(str(role), 34)} {organisation}")


def width(text: str) -> int:
    """Columns a terminal gives the text: two for a wide (CJK) character, one for the others."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))
