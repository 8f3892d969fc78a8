"""A stand-in for Meta's Graph API (WhatsApp Cloud API) on a loopback port.

Implements what the channel calls, in the documented shapes:
- POST /{version}/{phone-number-id}/messages -> {"messaging_product", "contacts", "messages":
  [{"id": "wamid..."}]}, or an error object {"error": {"message", "type", "code",
  "error_data": {"messaging_product", "details"}, "fbtrace_id"}} with HTTP 400;
- GET /{version}/{media-id} -> {"messaging_product", "url", "mime_type", "sha256",
  "file_size", "id"};
- GET /media/{media-id} (the URL above) -> the bytes.
Every call needs `Authorization: Bearer <token>` (401 with error code 190 otherwise).
Tests queue errors with `fail_next(code, ...)` or per recipient with `fail_for(...)`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: documented titles of the codes the tests use
ERROR_TITLES = {
    131047: "Re-engagement message",
    131026: "Message undeliverable",
    130429: "Rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131000: "Something went wrong",
    132001: "Template name does not exist in the translation",
    190: "Access token has expired",
}


@dataclass
class FakeGraph:
    token: str
    phone_number_id: str
    host: str = "127.0.0.1"
    port: int = 0
    sent: list[dict] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    #: media ids whose download answers 500 this many more times
    media_failures: dict[str, int] = field(default_factory=dict)
    _errors: list[tuple[int, int]] = field(default_factory=list)
    _recipient_errors: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def fail_next(self, code: int, times: int = 1) -> None:
        with self.lock:
            self._errors.extend([(code, 400)] * times)

    def fail_for(self, wa_id: str, code: int) -> None:
        """Every send to this number answers with this error code."""
        with self.lock:
            self._recipient_errors[wa_id] = code

    def add_media(self, media_id: str, data: bytes, mime: str) -> None:
        self.media[media_id] = (data, mime)

    def clear(self) -> None:
        with self.lock:
            self.sent.clear()
            self._errors.clear()
            self._recipient_errors.clear()

    def next_error(self, payload: dict) -> int | None:
        with self.lock:
            code = self._recipient_errors.get(str(payload.get("to")))
            if code is None and self._errors:
                code = self._errors.pop(0)[0]
            return code

    def new_wamid(self) -> str:
        return f"wamid.FAKE{next(self._ids):06d}"


def error_body(code: int) -> dict:
    title = ERROR_TITLES.get(code, "Error")
    return {"error": {"message": f"({code}) {title}", "type": "OAuthException", "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": title},
                      "fbtrace_id": "AbCdEf123"}}


def _handler(graph: FakeGraph):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {graph.token}":
                return True
            self._json(401, error_body(190))
            return False

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self._authorised():
                return
            match = re.fullmatch(r"/v[\d.]+/([^/]+)/messages", self.path)
            if not match or match.group(1) != graph.phone_number_id:
                self._json(404, error_body(100))
                return
            payload = json.loads(raw)
            code = graph.next_error(payload)
            with graph.lock:
                graph.sent.append({"payload": payload, "error": code})
            if code is not None:
                self._json(400 if code != 130429 else 429, error_body(code))
                return
            wamid = graph.new_wamid()
            graph.sent[-1]["wamid"] = wamid
            self._json(200, {"messaging_product": "whatsapp",
                             "contacts": [{"input": payload.get("to"),
                                           "wa_id": payload.get("to")}],
                             "messages": [{"id": wamid}]})

        def do_GET(self):
            if not self._authorised():
                return
            match = re.fullmatch(r"/media/([^/?]+)", self.path)
            if match:
                media_id = match.group(1)
                if graph.media_failures.get(media_id, 0) > 0:
                    graph.media_failures[media_id] -= 1
                    self._json(500, error_body(131000))
                    return
                data, mime = graph.media[media_id]
                self.send_response(200)
                self.send_header("Content-Type", mime)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            match = re.fullmatch(r"/v[\d.]+/([^/?]+)(\?.*)?", self.path)
            if not match or match.group(1) not in graph.media:
                self._json(404, error_body(100))
                return
            media_id = match.group(1)
            data, mime = graph.media[media_id]
            self._json(200, {"messaging_product": "whatsapp",
                             "url": f"{graph.url}/media/{media_id}",
                             "mime_type": mime, "sha256": hashlib.sha256(data).hexdigest(),
                             "file_size": len(data), "id": media_id})

    return Handler


def start_fake_graph(token: str, phone_number_id: str) -> tuple[FakeGraph, ThreadingHTTPServer]:
    graph = FakeGraph(token=token, phone_number_id=phone_number_id)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(graph))
    graph.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return graph, server
