"""What every state machine shares: its table of allowed moves, checked in one way.

A machine is declared beside its model (the statuses and the moves); each app's one transition
function per machine locks the row, calls `Machine.check`, changes the row, writes the audit row
(kernel.audit.record) and schedules its effects after commit (kernel.events)."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models

from .errors import Catalogue


@dataclass(frozen=True)
class Machine:
    statuses: type[models.TextChoices]
    moves: Mapping[str, frozenset[str]]
    # The app's catalogue and the code of the refusal when a move is not in the table, e.g.
    # "attempt_move_illegal"; its message may name the statuses' labels as %(from)s and %(to)s.
    errors: Catalogue
    illegal_code: str

    def allows(self, source: str, to: str) -> bool:
        return to in self.moves.get(source, frozenset())

    def check(self, source: str, to: str) -> None:
        if not self.allows(source, to):
            labels = {"from": self.label(source), "to": self.label(to)}
            raise self.errors.error(self.illegal_code, details={"from": source, "to": to}, **labels)

    def label(self, status: str) -> str:
        return str(self.statuses(status).label) if status in self.statuses.values else status
