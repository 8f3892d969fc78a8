"""Work that every test's fresh app would redo, done once per test process.

Each test builds its own app (flaskr's habit, kept: tests may change the config), so its own
database engine. Three things are the same for every app and cost more than the rest of the
test for most tests: Werkzeug compiling a URL builder per route (~100 routes, ~60% of
create_app), Jinja compiling every template the test renders, and SQLAlchemy compiling every
statement the test runs (its cache is per engine, and keyed by the dialect object). All three
are pure functions of their input, so the test process keeps the result and the next app
takes it. Production is untouched: it builds one app per process anyway.
"""

from __future__ import annotations

import copy

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import Engine
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.util import LRUCache, memoized_property
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


_compile_rule = Rule.compile
_RULES: dict[tuple, tuple] = {}


def _shared_compile(self: Rule) -> None:
    """Rule.compile, from the parse of an identical rule on a map with the same converters
    where there was one: its parts and trace (read only, by the matcher and the builders),
    its converters given this rule's map, the builders (shared as above)."""
    key = (self.rule, self.host, self.subdomain, self.merge_slashes, self.map.host_matching,
           tuple(self.map.converters.items()))
    parsed = _RULES.get(key)
    if parsed is None:
        _compile_rule(self)
        _RULES[key] = (tuple(self._parts), tuple(self._trace), dict(self._converters))
        return
    parts, trace, converters = parsed
    self._parts, self._trace = list(parts), list(trace)
    self._converters = {}
    for name, converter in converters.items():
        self._converters[name] = copy.copy(converter)
        self._converters[name].map = self.map
    self.arguments.update(converters)
    self._build = self._compile_builder(False).__get__(self, None)
    self._build_unknown = self._compile_builder(True).__get__(self, None)


def share_route_builders() -> None:
    """Make every Rule of this process reuse what was compiled for an identical rule: the
    parse of its text, and the builder (an unbound function taking the rule as `.self`,
    which compile() binds to each rule, so one function serves every app's copy)."""
    Rule._compile_builder = _shared_compile_builder
    Rule.compile = _shared_compile


def fresh_builder(rule: Rule, append_unknown: bool = True):
    """The builder Werkzeug itself compiles for `rule` (for the test of the sharing)."""
    return _compile_builder(rule, append_unknown)


def fresh_rule(rule: Rule) -> Rule:
    """A copy of `rule` compiled by Werkzeug itself (for the test of the sharing)."""
    fresh = copy.copy(rule)
    fresh.arguments = set(rule.defaults or ())
    _compile_rule(fresh)
    return fresh


# ------------------------------------------------------------------ compiled SQL

_PLAIN = (str, int, float, bool, type(None))
#: where a dialect keeps its settings as dialect_settings found them, until one is set again
_SETTINGS = "_settings_for_shared_sql"


def dialect_settings(dialect: DefaultDialect) -> tuple:
    """What a compiled statement of `dialect` depends on: its class and every plain setting
    (server version, parameter style, JSON serializers, flags found at the first connect).
    The rest of a dialect (identifier preparer, type compiler, DBAPI module) follows from its
    class, as do the values its memoized properties and methods keep on it once used; a
    setting that is a function (a JSON serializer) counts by identity."""
    known = dialect.__dict__.get(_SETTINGS)
    if known is not None:
        return known
    settings = []
    for name, value in sorted(vars(dialect).items()):
        derived = getattr(type(dialect), name, None)
        if isinstance(derived, memoized_property) or callable(derived):
            continue
        if isinstance(value, _PLAIN) or (isinstance(value, tuple)
                                         and all(isinstance(v, _PLAIN) for v in value)):
            settings.append((name, value))
        elif callable(value) and not isinstance(value, type):
            settings.append((name, id(value)))
    known = dialect.__dict__[_SETTINGS] = (type(dialect), tuple(settings))
    return known


def _set_and_forget_settings(self: DefaultDialect, name: str, value) -> None:
    object.__setattr__(self, name, value)
    self.__dict__.pop(_SETTINGS, None)  # (memoized properties write __dict__ directly)


def _same_settings(self: DefaultDialect, other: object) -> bool:
    if self is other:
        return True
    if not isinstance(other, DefaultDialect):
        return NotImplemented
    return dialect_settings(self) == dialect_settings(other)


def _hash_of_settings(self: DefaultDialect) -> int:
    return hash(dialect_settings(self))


#: statements compiled in this process, for every engine the tests' apps make
COMPILED = LRUCache(5000)


def share_compiled_sql() -> None:
    """Let equal dialects find each other's compiled statements: SQLAlchemy keys its caches
    (the engine's and each mapper's, for the unit of work's INSERT/UPDATE) by the dialect
    object; compared by their settings instead, the dialects of two apps on one database are
    one key. `share_statements(engine)` then gives an engine the process's cache."""
    DefaultDialect.__eq__ = _same_settings
    DefaultDialect.__hash__ = _hash_of_settings
    DefaultDialect.__setattr__ = _set_and_forget_settings


def share_statements(engine: Engine) -> None:
    engine._compiled_cache = COMPILED
