"""ali.inaugurated_on: the published inauguration date of an ALI

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:25:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ali') as batch:
        batch.add_column(sa.Column('inaugurated_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ali') as batch:
        batch.drop_column('inaugurated_on')
