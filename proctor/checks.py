"""System checks for the capture log's defences: the signing key, and the database's guards."""

import json

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections

from kernel.errors import DomainError

GUARDS_MIGRATION = "0004_capturelog_guards"


@register()
def capturelog_signing_key(app_configs, **kwargs):
    from . import signing

    if not signing.configured():
        if settings.DEBUG:
            return []
        return [
            Warning(
                "No capture-log signing key is configured while DEBUG is off: no checkpoint will be "
                "signed, and a rewrite of the capture log by whoever can write the database goes undetected.",
                hint="Set CAPTURELOG_SIGNING_KEY (PEM or base64 Ed25519 seed) or CAPTURELOG_SIGNING_KEY_FILE; see docs/audit.md.",
                id="proctor.W001",
            )
        ]
    try:
        signing.signing_key(create_development_key=False)
    except DomainError as error:
        return [Error(error.message, hint="See docs/audit.md for the key's formats.", id="proctor.E001")]
    return []


@register(Tags.database)
def capturelog_guards(app_configs, databases=None, **kwargs):
    """Only with `check --database` (and before `migrate`): it reads the database's triggers."""
    from django.db.migrations.recorder import MigrationRecorder

    from .models import guards

    problems = []
    for alias in databases or []:
        connection = connections[alias]
        try:
            recorder = MigrationRecorder(connection)
            if not recorder.has_table() or not recorder.migration_qs.filter(app="proctor", name=GUARDS_MIGRATION).exists():
                continue  # not migrated that far yet: that migration installs them
            absent = guards.missing(connection)
        except DatabaseError:
            continue
        if absent:
            problems.append(
                Warning(
                    f"The capture log's database guards are missing on database {alias!r}: {', '.join(absent)}.",
                    hint="Reinstall them (proctor.models.guards.install), e.g. `manage.py migrate proctor 0003` then `manage.py migrate`.",
                    id="proctor.W002",
                )
            )
    return problems


@register()
def video_ice_servers(app_configs, **kwargs):
    from .rules.video import ice_servers

    try:
        ice_servers(json.loads(settings.VIDEO_ICE_SERVERS_JSON))
    except (ValueError, TypeError) as error:  # json.JSONDecodeError is a ValueError
        return [Error(f"VIDEO_ICE_SERVERS is not usable: {error}", hint="See docs/video.md, \"STUN and TURN\".", id="proctor.E003")]
    return []
