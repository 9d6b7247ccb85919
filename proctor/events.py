"""Identity evidence's domain events, for the apps above it (hours credits study, exam records
incidents). Published through kernel.events: recorded with the decision, delivered after commit,
so a receiver sees the decision that was stored."""

# snapshot_id, person_id, context_kind, context_id, decision
SNAPSHOT_DECIDED = "proctor.snapshot_decided"
