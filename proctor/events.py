"""Domain events for the apps above this one (hours, exam). Sent after commit, so a receiver sees
the decision that was stored and may start its own transaction."""

from django.dispatch import Signal

# snapshot_id, person_id, context_kind, context_id, decision
snapshot_decided = Signal()
