"""The server logs the garbage collector's long passes (kernel.gcpauses), so that a stall of every
socket of a process can be told apart from a slow database."""

import gc
import logging

from kernel import gcpauses


def test_a_pass_over_the_threshold_is_logged_with_its_generation(caplog):
    gcpauses.watch(threshold_ms=0)
    try:
        with caplog.at_level(logging.WARNING, logger="kernel.gcpauses"):
            gc.collect()
        assert any("gc pass of generation 2" in record.getMessage() for record in caplog.records)
    finally:
        gcpauses.watch(threshold_ms=100)


def test_watching_twice_installs_one_callback_and_unwatch_removes_it():
    gcpauses.watch()
    gcpauses.watch()
    assert gc.callbacks.count(gcpauses._callback) == 1
    gcpauses.unwatch()
    assert gcpauses._callback not in gc.callbacks
    gcpauses.watch()
