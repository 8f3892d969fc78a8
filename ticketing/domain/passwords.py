"""Which new passwords staff may choose (plain Python; the messages are Indonesian).

The common-password list is zxcvbn's (30,000 most used passwords from real leaks, maintained
with the library) plus a few Indonesian favourites it lacks; zxcvbn's estimator also refuses
keyboard walks, repeats and dates that no list names.
"""

from __future__ import annotations

import functools
import re

MIN_LENGTH = 10
#: zxcvbn looks at this many characters (its own limit is 72)
ESTIMATE_CHARS = 64
#: 0-4; below 2 is "too guessable: risky password" in zxcvbn's own words
MIN_SCORE = 2
#: pieces of a name or address shorter than this are not searched for in a password
MIN_PART = 3
#: frequent in Indonesia and absent from the English-centred lists
INDONESIAN = ("bismillah", "sayang", "sayangku", "cintaku", "rahasia", "katasandi", "sandi",
              "indonesia", "merdeka", "palembang", "sriwijaya", "jakarta", "koperasi",
              "diskopukm", "ukm", "admin", "bangsat", "anjing", "doraemon", "persija",
              "alhamdulillah", "masbro", "garuda")

TOO_SHORT = f"Kata sandi paling sedikit {MIN_LENGTH} karakter."
COMMON = "Kata sandi ini termasuk yang paling sering dipakai dan mudah ditebak. Pilih yang lain."
PERSONAL = "Kata sandi tidak boleh memuat nama atau alamat email Anda."
WEAK = ("Kata sandi terlalu mudah ditebak (pola papan ketik, pengulangan, tanggal atau kata "
        "umum). Gunakan beberapa kata acak atau lebih panjang.")


@functools.cache
def _common() -> frozenset[str]:
    # zxcvbn is imported on first use: every `flask` command loads this module with the
    # app, and only a password change needs it (~50 ms of each command's start-up)
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(INDONESIAN)


def _personal_parts(email: str, name: str) -> set[str]:
    email = (email or "").strip().lower()
    local = email.split("@")[0]
    parts = {email, local, *re.split(r"[^a-z0-9]+", local), *re.split(r"\W+", (name or "").lower())}
    return {p for p in parts if len(p) >= MIN_PART}


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """The Indonesian reason `password` may not be used by that person, or None."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    lowered = password.lower()
    # "password123!" is "password" with decoration: the base counts as the password.
    base = re.sub(r"[\W\d_]+$", "", lowered)
    if lowered in _common() or (len(base) >= 4 and base in _common()):
        return COMMON
    if any(part in lowered for part in _personal_parts(email, name)):
        return PERSONAL
    words = sorted(_personal_parts(email, name))
    from zxcvbn import zxcvbn

    if zxcvbn(password[:ESTIMATE_CHARS], user_inputs=words)["score"] < MIN_SCORE:
        return WEAK
    return None
