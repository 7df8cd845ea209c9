"""The store as accord 0.1 (commit d5c1ad0) wrote it, before schema versions.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("ledger", sa.String(200), nullable=False, index=True),
        sa.Column("scenario_name", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(50), nullable=False),
        sa.Column("protocol", sa.String(50), nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("first_episode", sa.Integer, nullable=False),
        sa.Column("episodes_requested", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=True),
        sa.Column("scenario_json", sa.Text, nullable=False),
        sa.Column("options_json", sa.Text, nullable=False),
    )
    op.create_table(
        "episodes",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("episode", sa.Integer, primary_key=True),
        sa.Column("ledger", sa.String(200), nullable=False, index=True),
        sa.Column("hard_violations", sa.Integer, nullable=False),
        sa.Column("cost", sa.Integer, nullable=False),
        sa.Column("cost_breakdown", sa.Text, nullable=False),
        sa.Column("hard_breakdown", sa.Text, nullable=False),
        sa.Column("reference_cost", sa.Integer, nullable=True),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("rounds", sa.Integer, nullable=False),
        sa.Column("wall_seconds", sa.Float, nullable=False),
    )
    op.create_table(
        "messages",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("episode", sa.Integer, nullable=False, index=True),
        sa.Column("envelope", sa.Text, nullable=False),
    )
    op.create_table(
        "plans",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("episode", sa.Integer, primary_key=True),
        sa.Column("agent", sa.String(200), primary_key=True),
        sa.Column("ledger", sa.String(200), nullable=False, index=True),
        sa.Column("plan", sa.Text, nullable=False),
    )
    op.create_table(
        "commitments",
        sa.Column("ledger", sa.String(200), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("updated_episode", sa.Integer, nullable=False),
    )
    op.create_table(
        "metrics",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("episode", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("metrics", "commitments", "plans", "messages", "episodes", "runs"):
        op.drop_table(table)
