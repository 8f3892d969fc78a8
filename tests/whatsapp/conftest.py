"""Fixtures: the fake Graph API for the whole run; the channel configured per test."""

from __future__ import annotations

import pytest

from ..support.fake_graph import start_fake_graph
from ..support.whatsapp import ACCESS_TOKEN, APP_SECRET, DISPLAY, PHONE_NUMBER_ID, VERIFY_TOKEN


@pytest.fixture(scope="session")
def graph_server():
    graph, server = start_fake_graph(ACCESS_TOKEN, PHONE_NUMBER_ID)
    yield graph
    server.shutdown()
    server.server_close()


@pytest.fixture
def graph(graph_server, app):
    """The fake Graph API, emptied, with the app's channel pointed at it."""
    graph_server.clear()
    app.config.update(
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID, WHATSAPP_ACCESS_TOKEN=ACCESS_TOKEN,
        WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
        WHATSAPP_GRAPH_URL=graph_server.url, WHATSAPP_DISPLAY_NUMBER=DISPLAY,
        WHATSAPP_TEMPLATE_UPDATE="pembaruan_permohonan", WHATSAPP_TIMEOUT=5)
    return graph_server
