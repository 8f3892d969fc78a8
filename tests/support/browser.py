"""A live server in a thread and Playwright driving Debian's Chromium."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server

from .components import free_port, missing_component

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]


class _Handler(WSGIRequestHandler):
    #: an idle keep-alive connection is let go after this many seconds, so that closing the
    #: server can wait for every request thread
    timeout = 5


@contextmanager
def live_server(app):
    """Serve `app` on a free loopback port for the duration of the block. Closing it waits
    for the requests still being answered: they hold connections of the app's pool, which
    the `app` fixture disposes next (a connection checked out meanwhile was never closed,
    and psycopg's ResourceWarning failed whichever later test the garbage collector ran in)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Handler)
    server.daemon_threads = False  # socketserver keeps them, and server_close() joins them
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def launch_browser(playwright):
    if not os.path.exists(CHROMIUM):
        missing_component(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
