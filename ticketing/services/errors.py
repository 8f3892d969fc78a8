"""Errors a use case raises for the person who asked (messages in Indonesian)."""

from __future__ import annotations


class ActionError(Exception):
    """An action refused, with a message for the staff member (Indonesian)."""

    status = 422

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Forbidden(ActionError):
    status = 403


class Conflict(ActionError):
    """Someone else changed the ticket first; the loser is told, nothing is overwritten."""

    status = 409


FORBIDDEN = "Anda tidak berhak melakukan tindakan ini pada tiket ini."
STALE = ("Tiket ini baru saja diubah oleh petugas lain. Periksa perubahannya, lalu ulangi "
         "bila masih perlu.")
