"""Database triggers that refuse to change or remove capture-log rows, whatever the SQL's origin.

The ORM already refuses (CaptureLogQuerySet), but raw SQL, a bug, an admin tool or an injected
statement would not ask it. These triggers refuse, from every role that is not the tables' owner
(or a superuser, who can drop them; docs/security.md says why the signed checkpoints exist):

- capture-log entries and checkpoints: no UPDATE, no DELETE, and on PostgreSQL no TRUNCATE
  (SQLite has no TRUNCATE; its DELETE without WHERE fires the row triggers);
- the head row: no DELETE (nor TRUNCATE), and no UPDATE that moves its length backwards or
  renumbers it; appends still update it.

Migration 0004 installs them; `install` is idempotent, `remove` undoes it, `missing` names the
ones absent (system check proctor.W002). A change here needs a new migration that installs it.
"""

ENTRY = "proctor_capturelogentry"
CHECKPOINT = "proctor_capturelogcheckpoint"
HEAD = "proctor_captureloghead"

APPEND_ONLY = "the capture log is append-only"
FORWARD_ONLY = "the capture log head only moves forward"
FUNCTION = "kaohe_capturelog_refuse"

# name: (table, PostgreSQL timing and events, row or statement, WHEN condition or "", message)
TRIGGERS = {
    "kaohe_capturelog_entry_append_only": (ENTRY, "BEFORE UPDATE OR DELETE", "ROW", "", APPEND_ONLY),
    "kaohe_capturelog_entry_no_truncate": (ENTRY, "BEFORE TRUNCATE", "STATEMENT", "", APPEND_ONLY),
    "kaohe_capturelog_checkpoint_append_only": (CHECKPOINT, "BEFORE UPDATE OR DELETE", "ROW", "", APPEND_ONLY),
    "kaohe_capturelog_checkpoint_no_truncate": (CHECKPOINT, "BEFORE TRUNCATE", "STATEMENT", "", APPEND_ONLY),
    "kaohe_capturelog_head_no_delete": (HEAD, "BEFORE DELETE", "ROW", "", APPEND_ONLY),
    "kaohe_capturelog_head_no_truncate": (HEAD, "BEFORE TRUNCATE", "STATEMENT", "", APPEND_ONLY),
    "kaohe_capturelog_head_forward_only": (
        HEAD, "BEFORE UPDATE", "ROW", "NEW.length < OLD.length OR NEW.id <> OLD.id", FORWARD_ONLY,
    ),
}

_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kaohe: % on % refused: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def _sqlite_triggers() -> dict[str, str]:
    """SQLite has no TRUNCATE and one event per trigger: UPDATE and DELETE separately."""
    statements = {}
    for name, (table, events, level, condition, message) in TRIGGERS.items():
        if level != "ROW":
            continue
        for event in ("UPDATE", "DELETE"):
            if event not in events:
                continue
            sqlite_name = name if " OR " not in events else f"{name}_{event.lower()}"
            when = f" WHEN {condition}" if condition else ""
            refusal = f"kaohe: {event} on {table} refused: {message}"
            statements[sqlite_name] = (
                f"CREATE TRIGGER IF NOT EXISTS {sqlite_name} BEFORE {event} ON {table} FOR EACH ROW{when} "
                f"BEGIN SELECT RAISE(ABORT, '{refusal}'); END"
            )
    return statements


def _postgresql_triggers() -> dict[str, str]:
    statements = {}
    for name, (table, events, level, condition, message) in TRIGGERS.items():
        when = f" WHEN ({condition})" if condition else ""
        statements[name] = (
            f"CREATE OR REPLACE TRIGGER {name} {events} ON {table} FOR EACH {level}{when} "
            f"EXECUTE FUNCTION {FUNCTION}('{message}')"
        )
    return statements


def names(connection) -> list[str]:
    if connection.vendor == "postgresql":
        return list(_postgresql_triggers())
    if connection.vendor == "sqlite":
        return list(_sqlite_triggers())
    return []


def install(connection) -> None:
    """Create every trigger that is missing (and on PostgreSQL replace the ones present)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRESQL_FUNCTION)
            for statement in _postgresql_triggers().values():
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for statement in _sqlite_triggers().values():
                cursor.execute(statement)
        else:
            raise NotImplementedError(f"no capture-log guards for {connection.vendor}")


def remove(connection) -> None:
    """Drop the triggers: for the tables' owner only (a migration undone, a test's flush)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, (table, *_rest) in TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        elif connection.vendor == "sqlite":
            for name in _sqlite_triggers():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def missing(connection) -> list[str]:
    """The triggers that should exist on this database and do not (enabled ones only on PostgreSQL)."""
    expected = names(connection)
    if not expected:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' AND tgname = ANY(%s)",
                [expected],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'kaohe_capturelog_%'"
            )
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in present]
