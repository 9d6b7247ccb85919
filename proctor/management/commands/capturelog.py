"""`manage.py capturelog verify [--public-key FILE]... [--checkpoints FILE]`: check the chain, its
head and its signed checkpoints, report the first problem and exit non-zero on one;
`manage.py capturelog checkpoint`: sign a checkpoint now (celery beat does it every hour)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kernel.errors import DomainError

from ...rules.capturelog import checkpoints_from_json, public_key_from_text
from ...rules.messages import capturelog_problem
from ...selectors.capturelog import verify
from ...services.capturelog import checkpoint_create


class Command(BaseCommand):
    help = "Check the capture log against its signed checkpoints, or sign a checkpoint."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser(
            "verify", help="walk the chain from the first entry, check the head and the signed checkpoints"
        )
        check.add_argument(
            "--public-key",
            action="append",
            default=None,
            metavar="FILE",
            help="a trusted Ed25519 public key (PEM, hex or base64); repeat for retired keys. "
            "Default: the configured signing key's public half.",
        )
        check.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="checkpoints held outside the database, as /api/capturelog/checkpoints published them "
            "(one page, a list of items, or a list of pages); each must still be stored unchanged",
        )
        sub.add_parser("checkpoint", help="sign the chain's current length and tip hash")

    def handle(self, *args, action, **options):
        try:
            if action == "checkpoint":
                self._checkpoint()
            else:
                self._verify(public_keys=options["public_key"], checkpoints=options["checkpoints"])
        except DomainError as error:
            raise CommandError(f"{error.message} ({error.code})") from error

    def _checkpoint(self):
        checkpoint = checkpoint_create()
        if checkpoint is None:
            self.stdout.write(_("No new entries since the last checkpoint; nothing signed."))
            return
        self.stdout.write(
            _("Signed checkpoint %(sequence)s: %(length)s entries, tip %(tip)s, key %(key)s.")
            % {"sequence": checkpoint.sequence, "length": checkpoint.length, "tip": checkpoint.tip_hash, "key": checkpoint.key_id}
        )

    def _verify(self, *, public_keys, checkpoints):
        keys = None
        if public_keys:
            try:
                keys = [public_key_from_text(Path(path).read_bytes()) for path in public_keys]
            except (OSError, ValueError) as error:
                raise CommandError(_("Cannot read the public key: %(error)s") % {"error": error}) from error
        published = []
        if checkpoints:
            try:
                published = checkpoints_from_json(json.loads(Path(checkpoints).read_text()))
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise CommandError(_("Cannot read the checkpoints: %(error)s") % {"error": error}) from error
        report = verify(public_keys=keys, published=published)
        if report.ok:
            self.stdout.write(
                _("OK: %(entries)s entries and %(checkpoints)s signed checkpoints; the chain, its head and its checkpoints agree.")
                % {"entries": report.checked, "checkpoints": report.checkpoints}
            )
            return
        raise CommandError(
            _("BROKEN after %(checked)s good entries: %(problem)s (%(code)s)")
            % {"checked": report.checked, "problem": capturelog_problem(report.code, report.params), "code": report.code}
        )
