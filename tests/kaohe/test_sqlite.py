"""The embedded SQLite default serves one person's study without "database is locked": WAL, a busy
timeout and write locks taken when a transaction begins."""

import threading

from django.conf import settings
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper


def _connection(path):
    # The embedded default's options, whichever database this run uses (CI also runs on PostgreSQL).
    config = {**connections.databases["default"], "ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": dict(settings.SQLITE_OPTIONS), "TEST": {}}
    wrapper = DatabaseWrapper(config, alias="sqlite_file_check")
    wrapper.ensure_connection()
    return wrapper


def test_the_default_sqlite_options_ask_for_wal_a_busy_timeout_and_immediate_transactions():
    options = settings.SQLITE_OPTIONS
    assert options["timeout"] >= 10
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_a_file_database_opened_with_the_settings_is_in_wal_mode_and_waits_for_a_writer(tmp_path, django_db_blocker):
    # Given a file database (not the tests' in-memory one) opened twice with the platform's options
    with django_db_blocker.unblock():
        _wal_check(tmp_path)


def _wal_check(tmp_path):
    first = _connection(tmp_path / "kaohe.sqlite3")
    second = _connection(tmp_path / "kaohe.sqlite3")
    try:
        with first.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 10000
            cursor.execute("CREATE TABLE t (n integer)")
        # When the first holds a write transaction and lets it go shortly after
        first.set_autocommit(False)
        with first.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        release = threading.Timer(0.3, first.connection.commit)
        release.start()
        # Then the second waits for it rather than failing, and a reader was never blocked
        with second.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone()[0] == 0
            cursor.execute("INSERT INTO t VALUES (2)")
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone()[0] == 2
        release.join()
    finally:
        first.close()
        second.close()
