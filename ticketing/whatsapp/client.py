"""A small client for the three Graph API calls the channel needs: send a message, look up a
media id, download media bytes. Standard library HTTP (urllib); the base URL and version
come from the configuration, so tests point it at a local stand-in server.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


class GraphError(Exception):
    """The Graph API refused a call (code from its error object), or could not be reached
    (code None)."""

    def __init__(self, message: str, *, code: int | None = None, http_status: int | None = None,
                 details: str | None = None):
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.details = details

    def __str__(self) -> str:
        text = super().__str__()
        if self.code is not None:
            text = f"({self.code}) {text}"
        if self.details:
            text += f": {self.details}"
        return text


@dataclass
class GraphClient:
    base_url: str
    version: str
    phone_number_id: str
    token: str
    timeout: float = 20

    @classmethod
    def from_config(cls, config: Mapping) -> GraphClient:
        return cls(base_url=config["WHATSAPP_GRAPH_URL"].rstrip("/"),
                   version=config["WHATSAPP_API_VERSION"].strip("/"),
                   phone_number_id=config["WHATSAPP_PHONE_NUMBER_ID"],
                   token=config["WHATSAPP_ACCESS_TOKEN"],
                   timeout=config.get("WHATSAPP_TIMEOUT", 20))

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}/{path.lstrip('/')}"

    def _request(self, url: str, body: dict | None = None) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        _check_scheme(url)
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            url, data=data, method="POST" if data else "GET")
        request.add_header("Authorization", f"Bearer {self.token}")
        if data:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as exc:
            raise _error_from(exc) from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            raise GraphError(f"Graph API tidak dapat dihubungi: {exc}") from exc

    def _json(self, url: str, body: dict | None = None) -> dict:
        raw = self._request(url, body)
        try:
            return json.loads(raw or b"{}")
        except ValueError as exc:
            raise GraphError("jawaban Graph API bukan JSON") from exc

    def send(self, payload: dict) -> str:
        """POST /{phone-number-id}/messages; returns the new message's wamid."""
        answer = self._json(self._url(f"{self.phone_number_id}/messages"),
                            {"messaging_product": "whatsapp", **payload})
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as exc:
            raise GraphError("jawaban kirim tanpa id pesan") from exc

    def media_info(self, media_id: str) -> dict:
        """GET /{media-id}: url, mime_type, file_size, sha256 (the url lives five minutes)."""
        return self._json(self._url(media_id))

    def download(self, url: str, limit: int) -> bytes:
        """The media bytes (with the token); raises when larger than `limit`."""
        _check_scheme(url)  # the URL comes from the API's answer: never file: or ftp:
        request = urllib.request.Request(url, method="GET")  # noqa: S310 - checked above
        request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                data = response.read(limit + 1)
        except urllib.error.HTTPError as exc:
            raise _error_from(exc) from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            raise GraphError(f"media tidak dapat diunduh: {exc}") from exc
        if len(data) > limit:
            raise MediaTooLarge(f"berkas lebih besar dari {limit // (1024 * 1024)} MB")
        return data


def _check_scheme(url: str) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise GraphError(f"alamat Graph API tidak sah: {url[:100]!r}")


class MediaTooLarge(GraphError):
    """The file is over the attachment size limit: not an error to retry."""


def _error_from(exc: urllib.error.HTTPError) -> GraphError:
    """Meta's error object: {"error": {"message", "code", "error_data": {"details"}}}."""
    try:
        body = json.loads(exc.read() or b"{}")
        error = body.get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    details = (error.get("error_data") or {}).get("details") if isinstance(error, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return GraphError(str(error.get("message") or f"HTTP {exc.code}"),
                      code=int(code) if isinstance(code, int) else None,
                      http_status=exc.code, details=details)
