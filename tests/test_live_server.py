"""The browser tests' live server (tests.support.browser.live_server): closing it waits for
the requests still being answered, so the `app` fixture never disposes a pool while one of
them holds a connection (that connection was left open, and its ResourceWarning failed some
later test at random)."""

from __future__ import annotations

import threading
import time
import urllib.request

from sqlalchemy import text

from ticketing.extensions import db

from .support.browser import live_server


def test_closing_the_server_waits_for_a_request_in_flight(app):
    started, answered = threading.Event(), threading.Event()

    @app.get("/uji-lambat")
    def slow():
        db.session.execute(text("SELECT 1"))  # a connection of the app's pool, checked out
        started.set()
        time.sleep(1.5)  # longer than serve_forever takes to notice the shutdown (0.5 s)
        answered.set()
        return "selesai"

    replies = []
    with live_server(app) as url:
        client = threading.Thread(
            target=lambda: replies.append(urllib.request.urlopen(url + "/uji-lambat").read()))
        client.start()
        assert started.wait(10)
    # the block ended while the view still slept: it waited for the answer
    assert answered.is_set()
    client.join(10)
    assert replies == [b"selesai"]
