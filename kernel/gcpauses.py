"""Log the cyclic garbage collector's long passes in a server process.

A pass holds the GIL: while it runs, no socket of the process is read or answered. Passes that
take longer than `GC_PAUSE_LOG_MS` (settings, default 100) are logged as warnings with their
generation, so a stall in the exam room's latency can be told apart from the database's.
"""

import gc
import logging
import sys
import time

log = logging.getLogger(__name__)
_started: dict[str, float] = {}


def _callback(phase: str, info: dict) -> None:
    if phase == "start":
        _started["at"] = time.perf_counter()
        return
    began = _started.pop("at", None)
    if began is None:
        return
    took = (time.perf_counter() - began) * 1000
    if took >= _threshold_ms and not sys.is_finalizing():  # no logging once the interpreter is going
        log.warning("gc pass of generation %s took %.0f ms (%s collected)", info.get("generation"), took, info.get("collected"))


_threshold_ms = 100.0


def watch(threshold_ms: float = 100.0) -> None:
    global _threshold_ms
    _threshold_ms = threshold_ms
    if _callback not in gc.callbacks:
        gc.callbacks.append(_callback)


def unwatch() -> None:
    """Stop logging (a test run ends: its captured streams close before the last passes)."""
    if _callback in gc.callbacks:
        gc.callbacks.remove(_callback)
