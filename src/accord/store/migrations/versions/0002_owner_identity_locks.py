"""Runs know their owner (host, pid, start) and heartbeat, and their scenario's content
hash; one writer per ledger (``ledger_locks``).

Revision ID: 0002
"""

import json

import sqlalchemy as sa
from alembic import op

from accord.store.identity import scenario_hash

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("scenario_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.String(40), nullable=True))
    op.create_table(
        "ledger_locks",
        sa.Column("ledger", sa.String(200), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("acquired_at", sa.String(40), nullable=False),
        sa.Column("heartbeat_at", sa.String(40), nullable=False),
    )
    conn = op.get_bind()
    runs = sa.table("runs", sa.column("id", sa.String), sa.column("scenario_json", sa.Text),
                    sa.column("scenario_hash", sa.String))
    for rid, text in conn.execute(sa.select(runs.c.id, runs.c.scenario_json)).all():
        conn.execute(runs.update().where(runs.c.id == rid)
                     .values(scenario_hash=scenario_hash(json.loads(text))))


def downgrade() -> None:
    op.drop_table("ledger_locks")
    with op.batch_alter_table("runs") as batch:
        for column in ("heartbeat_at", "owner", "scenario_hash"):
            batch.drop_column(column)
