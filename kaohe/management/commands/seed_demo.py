"""Demo data, safe to run again. Each app adds its part through settings.DEMO_SEEDERS."""

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
            self.stdout.write(f"  {login:<16} {role:<28} {organisation}")
