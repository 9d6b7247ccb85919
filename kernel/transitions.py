"""What every state machine shares: its table of allowed moves, checked in one way.

A machine is declared beside its model (the statuses and the moves); each app's one transition
function per machine locks the row, calls `Machine.check`, changes the row, writes the audit row
(kernel.audit.record) and schedules its effects after commit (kernel.events)."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _

from .errors import ConflictError


@dataclass(frozen=True)
class Machine:
    statuses: type[models.TextChoices]
    moves: Mapping[str, frozenset[str]]
    # The refusal's code when a move is not in the table, e.g. "attempt_move_illegal", and its
    # message (lazily translated, with %(from)s and %(to)s for the statuses' labels).
    illegal_code: str
    illegal_message: str = ""

    def allows(self, source: str, to: str) -> bool:
        return to in self.moves.get(source, frozenset())

    def check(self, source: str, to: str) -> None:
        if not self.allows(source, to):
            raise ConflictError(
                code=self.illegal_code,
                message=str(self.illegal_message or _("Something that is %(from)s cannot become %(to)s."))
                % {"from": self.label(source), "to": self.label(to)},
                details={"from": source, "to": to},
            )

    def label(self, status: str) -> str:
        return str(self.statuses(status).label) if status in self.statuses.values else status
