"""Series and coverage: published_value.series (source and method, reliability, perimeter) and
published_value.partial; import_record.coverage (census, partial list or sample)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:30:00

A store published before this revision has no series: `observatoire publish --all` fills them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('published_value', sa.Column('series', sa.String(length=200), nullable=True))
    op.add_column('published_value', sa.Column('partial', sa.Boolean(), nullable=True))
    op.add_column('import_record', sa.Column('coverage', sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column('import_record', 'coverage')
    op.drop_column('published_value', 'partial')
    op.drop_column('published_value', 'series')
