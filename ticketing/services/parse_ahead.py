"""Parsing the next messages in a helper process while this one writes the current ones
(`flask mail ingest FILE...`: services.mail_ingest.ingest_many).

Parsing is work on bytes alone (no database, no session): about a quarter of a message's
time in the ingesting process. With a helper process it runs on the other core while this
process stores and processes the chunk before, and the results come back in the chunk's
order. Nothing is decided in the helper: a message it could not parse comes back as its
MailParseError, and is kept `failed` here as before. Where the helper cannot run (no fork
on this platform, MAIL_PARSE_AHEAD off), fails or takes longer than the parse budget of
the whole chunk, the chunk is parsed in this process, as without it.

The helper is forked from this process (the application already loaded: nothing to start
or import) and never touches the database; psycopg does not close a connection it
inherited (its finaliser checks the process id), so the parent's connections are safe.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

log = logging.getLogger(__name__)

#: what a submitted chunk gives back: its parses in order, or None (parse them here)
Pending = Callable[[], list | None]


def not_ahead() -> None:
    """The Pending of a chunk nobody parsed ahead: parse it here."""
    return None


@contextmanager
def parse_ahead(parse_chunk: Callable[[list[bytes]], list], *, enabled: bool,
                seconds_per_message: float) -> Iterator[Callable[[list[bytes]], Pending]]:
    """Within the block, submit(raws) starts parsing `raws` with `parse_chunk` in the helper
    and returns the function that waits for the result: None when it cannot be had, or
    after `seconds_per_message` per message (the helper is then stopped)."""
    executor = None
    if enabled and "fork" in multiprocessing.get_all_start_methods():
        executor = ProcessPoolExecutor(max_workers=1,
                                       mp_context=multiprocessing.get_context("fork"))
    stuck = False

    def submit(raws: list[bytes]) -> Pending:
        if executor is None or stuck:
            return not_ahead
        try:
            future = executor.submit(parse_chunk, raws)
        except Exception as exc:  # noqa: BLE001 - the helper is gone: parsed here
            log.warning("parsing ahead unavailable, parsing in this process: %s", exc)
            return not_ahead

        def result() -> list | None:
            nonlocal stuck
            try:
                return future.result(timeout=seconds_per_message * len(raws))
            except TimeoutError:
                log.warning("parsing ahead took too long, parsing in this process")
                stuck = True
                _stop(executor)
            except Exception as exc:  # noqa: BLE001 - the helper died: parsed here instead
                log.warning("parsing ahead failed, parsing in this process: %s", exc)
            return None

        return result

    try:
        yield submit
    finally:
        if executor is not None:
            if stuck:
                executor.shutdown(wait=False, cancel_futures=True)
            else:
                executor.shutdown(wait=True, cancel_futures=True)


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop a helper that does not answer (the executor has no public way to)."""
    for process in list(getattr(executor, "_processes", {}).values()):
        if process.pid:
            os.kill(process.pid, signal.SIGKILL)
            process.join(timeout=10)
