"""Property-based fuzzing of POST /api/v1/requests: never a 500, never a ticket from invalid
input. FUZZ_EXAMPLES sets the number of generated bodies (default 150 per backend in CI)."""

from __future__ import annotations

import json
import os
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ticketing.domain.text import text_problem
from ticketing.extensions import db
from ticketing.models import Ticket

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
VALID = {"name": "Rina Wati", "email": "rina@example.com", "phone": "0812 3456 7890",
         "type": "informasi", "service": "sertifikat-halal", "subject": "Tanya halal",
         "message": "Bagaimana cara mendaftar sertifikat halal gratis?", "consent": True}

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
           | st.sampled_from(["", " ", "tidak", "no", "true", "\x00", "a\r\nBcc: x@evil",
                              "Tanya\x1bhalal", "\u202eevil", "😀" * 3]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=8)
#: a valid body with some fields replaced, removed or added
mutated = st.builds(
    lambda drop, replace, extra: {
        **{k: v for k, v in VALID.items() if k not in drop}, **replace, **extra},
    st.sets(st.sampled_from(sorted(VALID))),
    st.dictionaries(st.sampled_from(sorted(VALID)), json_values, max_size=3),
    st.dictionaries(st.text(max_size=8), json_values, max_size=2),
)
raw_bodies = st.one_of(
    mutated.map(lambda body: json.dumps(body).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=100_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=100_000).map(
        lambda n: b'{"name":' + b'{"a":' * n + b"1" + b"}" * n + b"}"),
    mutated.map(lambda body: json.dumps(body).encode().replace(b"Rina", b"\\ud800")),
)

TALLY: Counter = Counter()


def _valid(body) -> bool:
    """What the intake may accept: the rules the API documents."""
    if not isinstance(body, dict):
        return False
    for key in ("name", "type", "service", "subject", "message"):
        if not isinstance(body.get(key), str) or not body[key].strip():
            return False
    for key in ("name", "type", "service", "subject", "email", "phone"):
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or text_problem(value)):
            return False
    if text_problem(body["message"], multiline=True):
        return False
    return "consent" not in body or body["consent"] is True


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def test_json_intake_never_500_and_never_a_ticket_from_invalid_input(client):
    TALLY.clear()
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(raw_bodies)
    def run(raw: bytes):
        before = _count()
        response = client.post("/api/v1/requests", data=raw,
                               content_type="application/json")
        after = _count()
        TALLY[response.status_code] += 1
        assert response.status_code in (201, 400, 413, 422), response.status_code
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        if response.status_code == 201:
            assert _valid(body), raw[:200]
            assert after - before in (0, 1)  # 0: an idempotent retry of the same key
        else:
            assert after == before
            assert response.status_code == 413 or response.get_json()["errors"]

    run()
    print(f"\nfuzz JSON intake: {sum(TALLY.values())} bodies, status counts {dict(TALLY)}")
