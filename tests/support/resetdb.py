"""Every test starts from the database `seed_catalogue` makes out of an empty schema.

Seeding through the ORM per test, and on PostgreSQL emptying 36 tables one statement at a
time, cost more than most tests themselves. The seeded rows are the same for every test, so
they are read once per run (`Seed.read`) and put back per test in a few statements; only the
timestamps the seed takes from the clock are stamped again with this test's clock, so a test's
database holds exactly what seeding it there and then would write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime, utcnow


@dataclass(frozen=True)
class Seed:
    #: table name -> its rows (as PostgreSQL's json_agg writes them)
    rows: dict[str, str]
    #: "schema.sequence" -> last value, for the sequences the seed used
    sequences: dict[str, int]

    @classmethod
    def read(cls) -> Seed:
        """The rows of a freshly seeded PostgreSQL database (in the app context)."""
        rows = {}
        for table in db.metadata.sorted_tables:
            found = db.session.execute(sa.text(
                f'SELECT json_agg(t) FROM "{table.name}" t')).scalar()  # noqa: S608 - our names
            if found is not None:
                rows[table.name] = json.dumps(found)
        sequences = dict(db.session.execute(sa.text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value "
            "FROM pg_sequences WHERE last_value IS NOT NULL")).all())
        db.session.rollback()
        return cls(rows, sequences)


def stamp_clock(tables) -> None:
    """Set the timestamps the seed took from the clock (model defaults) to this moment."""
    now = utcnow()
    for table in tables:
        columns = {c.name: now for c in table.columns
                   if isinstance(c.type, UTCDateTime) and c.default is not None}
        if columns:
            db.session.execute(table.update().values(**columns))


def seeded_tables(names) -> list[sa.Table]:
    return [db.metadata.tables[name] for name in names]


def _empty_statement() -> str:
    """One statement: every table emptied, children first, and every used sequence restarted
    (as TRUNCATE ... RESTART IDENTITY would, but ~10x faster for the few rows a test leaves:
    TRUNCATE rewrites all tables and their indexes)."""
    deletes = "".join(f'DELETE FROM "{t.name}";\n'  # noqa: S608 - our table names
                      for t in reversed(db.metadata.sorted_tables))
    return (
        "DO $reset$ DECLARE s text; BEGIN\n" + deletes +
        "FOR s IN SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
        "FROM pg_sequences WHERE last_value IS NOT NULL LOOP "
        "EXECUTE 'ALTER SEQUENCE ' || s || ' RESTART'; END LOOP;\nEND $reset$")


def reset_postgresql(seed: Seed) -> None:
    """Empty this test's PostgreSQL database and put the seed back; commits."""
    try:
        db.session.execute(sa.text(_empty_statement()))
    except IntegrityError:  # a foreign-key cycle a test made: TRUNCATE cuts through it
        db.session.rollback()
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    for name, rows in seed.rows.items():
        db.session.execute(sa.text(
            f'INSERT INTO "{name}" SELECT * FROM '  # noqa: S608 - our table names
            f'json_populate_recordset(CAST(NULL AS "{name}"), CAST(:rows AS json))'),
            {"rows": rows})
    for sequence, value in seed.sequences.items():
        db.session.execute(sa.text("SELECT setval(:sequence, :value, true)"),
                           {"sequence": sequence, "value": value})
    stamp_clock(seeded_tables(seed.rows))
    db.session.commit()
