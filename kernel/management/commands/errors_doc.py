"""`manage.py errors_doc [--check]`: write docs/errors.md from every app's errors.py.

The tables are generated, never edited by hand: change a code or its message in the app's
errors.py (and its translation in locale/), then run this command. `--check` only compares, and
fails when the file is out of date; tests/kaohe/test_errors.py does the same.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kernel.errors import Catalogue, catalogues

DOC_PATH = Path(settings.BASE_DIR) / "docs" / "errors.md"

INTRODUCTION = """\
# Error codes

Every refusal carries a stable code for programs and a translated message for people. Tests and
clients rely on the code, never on the wording. Each app keeps its codes, messages and HTTP
statuses in one table, `<app>/errors.py`, and raises them by code (`raise ERRORS.error("code")`).

- **The API** (`/api/`) returns any of them as `{"code", "message"}` with the status below. A
  refusal that belongs to one input field adds `field`. Some add facts a client can act on (for
  example `allowed_position`, `shortfalls`, `errors`).
- **Pages** show the message in the user's language. A 404 or 403 refusal becomes Django's page
  for that status.
- **Import reports** (offline training batches, question banks, candidates' ID numbers) list row
  codes with each line. These are not raised, so their status is only nominal.
- **The exam room** sends its codes in `error` frames. Their status is only nominal.
  docs/exam-protocol.md lists the codes the room sends.

A message with `%(name)s` is filled in where it is raised. Where a message is composed elsewhere
(Django's password rules, the face engine's advice, a list of blueprint shortfalls), the message
below says what the code means.

This file is generated from the catalogues by `python manage.py errors_doc`, which `make messages`
also runs after compiling the translations (the Chinese column is read from them). Do not edit it
by hand. `tests/kaohe/test_errors.py` fails when a code is raised without being catalogued, when a
catalogued code is no longer used, and when this file is out of date.
"""


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(catalogue: Catalogue) -> list[str]:
    if not catalogue.refusals:
        return ["This app refuses nothing of its own.", ""]
    lines = ["| code | HTTP | meaning | 中文 |", "|---|---|---|---|"]
    for code, refusal in catalogue.refusals.items():
        with translation.override("en"):
            english = str(refusal.message)
        with translation.override("zh-hans"):
            chinese = str(refusal.message)
        lines.append(f"| `{code}` | {refusal.status} | {_cell(english)} | {_cell(chinese)} |")
    return [*lines, ""]


def _ordered(found: dict[str, Catalogue]) -> list[Catalogue]:
    """The kernel first, then the apps in INSTALLED_APPS order (the order they import each other)."""
    order = ["kernel", *[name.split(".")[0] for name in settings.INSTALLED_APPS]]
    return sorted(found.values(), key=lambda catalogue: order.index(catalogue.app) if catalogue.app in order else len(order))


def render() -> str:
    lines = [INTRODUCTION]
    for catalogue in _ordered(catalogues()):
        lines += [f"## {catalogue.app}", "", f"`{catalogue.app}/errors.py`", "", *_table(catalogue)]
    return "\n".join(lines).rstrip("\n") + "\n"


class Command(BaseCommand):
    help = "Write docs/errors.md from every app's errors.py (--check: only say whether it is current)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if docs/errors.md is out of date")

    def handle(self, *args, check: bool = False, **options):
        text = render()
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if check:
            if text != current:
                raise CommandError(f"{DOC_PATH} is out of date: run `python manage.py errors_doc`")
            self.stdout.write(f"{DOC_PATH} is current")
            return
        DOC_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {DOC_PATH}")
