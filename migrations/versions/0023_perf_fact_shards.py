"""Daily facts in shards: each day, unit, service, channel and type has up to eight rows, and
a request's changes go to the row of its id, so concurrent intakes no longer queue for one
row's lock until each commit (issue 13). Existing rows become shard 0.

Revision ID: 0023_perf_shards
Revises: 0022_perf
Create Date: 2026-12-06 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_perf_shards"
down_revision = "0022_perf"
branch_labels = None
depends_on = None

KEY = ["day", "unit_id", "service_id", "channel", "type"]
MEASURES = ["received", "answered", "answered_on_time", "answer_seconds", "open_late",
            "respondents", "score_persyaratan", "score_prosedur", "score_waktu", "score_biaya",
            "score_produk", "score_kompetensi", "score_perilaku", "score_pengaduan",
            "score_sarana"]


def upgrade():
    with op.batch_alter_table("daily_facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shard", sa.SmallInteger(), nullable=False,
                                      server_default="0"))
        batch_op.drop_constraint("pk_daily_facts", type_="primary")
        batch_op.create_primary_key("pk_daily_facts", [*KEY, "shard"])


def downgrade():
    # the shards of a key summed into one row first
    facts = sa.table("daily_facts", *[sa.column(c) for c in (*KEY, "shard", *MEASURES)])
    key = [facts.c[c] for c in KEY]
    sums = sa.select(*key, *[sa.func.sum(facts.c[m]) for m in MEASURES]).group_by(*key)
    rows = [dict(zip([*KEY, *MEASURES], row, strict=True))
            for row in op.get_bind().execute(sums)]
    op.execute(facts.delete())
    with op.batch_alter_table("daily_facts", schema=None) as batch_op:
        batch_op.drop_constraint("pk_daily_facts", type_="primary")
        batch_op.drop_column("shard")
        batch_op.create_primary_key("pk_daily_facts", KEY)
    if rows:
        op.bulk_insert(sa.table("daily_facts", *[sa.column(c) for c in (*KEY, *MEASURES)]),
                       rows)
