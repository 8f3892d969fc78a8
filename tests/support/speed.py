"""Work that every test's fresh app would redo, done once per test process.

Each test builds its own app (flaskr's habit, kept: tests may change the config). Two parts of
that are the same for every app and cost more than the rest of the test for most tests:
Werkzeug compiling a URL builder per route (~100 routes, ~60% of create_app), and Jinja
compiling every template the test renders. Both are pure functions of their input, so the
test process keeps the result and the next app takes it. Production is untouched: it builds
one app per process anyway.
"""

from __future__ import annotations

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing.rules import Rule


class SharedTemplateCache(BytecodeCache):
    """Jinja's bytecode cache in memory, shared by the apps of one test process.

    Jinja checks the template source's checksum itself; the key also holds what of the
    environment changes the compiled code, so two differently set up environments never
    share a template.
    """

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, object]] = {}

    @staticmethod
    def _signature(environment: Environment) -> str:
        return repr((sorted(environment.extensions), environment.block_start_string,
                     environment.block_end_string, environment.variable_start_string,
                     environment.variable_end_string, environment.comment_start_string,
                     environment.comment_end_string, environment.line_statement_prefix,
                     environment.line_comment_prefix, environment.trim_blocks,
                     environment.lstrip_blocks, environment.newline_sequence,
                     environment.keep_trailing_newline, environment.optimized,
                     environment.is_async, environment.finalize is not None,
                     getattr(environment, "newstyle_gettext", None),
                     environment.autoescape))

    def get_bucket(self, environment: Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        bucket = Bucket(environment, self.get_cache_key(
            f"{self._signature(environment)}|{name}", filename), self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        hit = self._code.get(bucket.key)
        if hit is not None and hit[0] == bucket.checksum:
            bucket.code = hit[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)

    def clear(self) -> None:
        self._code.clear()


TEMPLATES = SharedTemplateCache()

_compile_builder = Rule._compile_builder
_BUILDERS: dict[tuple, object] = {}


def _builder_key(rule: Rule, append_unknown: bool) -> tuple | None:
    """What Rule._compile_builder's generated code depends on: the rule text (the function's
    name), the parsed trace (static and dynamic parts, domain then path) and the defaults.
    None where a default fills a dynamic part (its converter's to_url goes into the code)."""
    defaults = rule.defaults or {}
    if any(is_dynamic and data in defaults for is_dynamic, data in rule._trace):
        return None
    return (rule.rule, tuple(rule._trace), append_unknown,
            tuple((str(key), repr(value)) for key, value in defaults.items()))


def _shared_compile_builder(self: Rule, append_unknown: bool = True):
    key = _builder_key(self, append_unknown)
    if key is None:
        return _compile_builder(self, append_unknown)
    builder = _BUILDERS.get(key)
    if builder is None:
        builder = _BUILDERS[key] = _compile_builder(self, append_unknown)
    return builder


def share_route_builders() -> None:
    """Make every Rule of this process reuse the builder compiled for an identical rule.

    The builder is an unbound function taking the rule as `.self` (compile() binds it to each
    rule), so one function serves every app's copy of the same route.
    """
    Rule._compile_builder = _shared_compile_builder


def fresh_builder(rule: Rule, append_unknown: bool = True):
    """The builder Werkzeug itself compiles for `rule` (for the test of the sharing)."""
    return _compile_builder(rule, append_unknown)
