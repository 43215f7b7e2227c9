"""published_value and publication: figures as published (summed, derived, masked) at import

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'published_value',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=200), nullable=False),
        sa.Column('indicator_code', sa.String(length=60), nullable=False),
        sa.Column('geography_code', sa.String(length=20), nullable=False),
        sa.Column('level', sa.String(length=30), nullable=False),
        sa.Column('code', sa.String(length=30), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('period_type', sa.String(length=10), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('flag', sa.String(length=20), nullable=True),
        sa.Column('aggregated', sa.Boolean(), nullable=False),
        sa.Column('estimated', sa.Boolean(), nullable=False),
        sa.Column('home', sa.Boolean(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.Text(), nullable=True),
        sa.Column('quality', sa.String(length=20), nullable=True),
        sa.Column('data_date', sa.Text(), nullable=True),
        sa.Column('caveats', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_published_lookup', 'published_value',
                    ['indicator_code', 'geography_code', 'level', 'period_type', 'period_start'])
    op.create_index('ix_published_territory', 'published_value', ['code', 'indicator_code'])
    op.create_index('ix_published_unit', 'published_value', ['unit', 'geography_code', 'period_start'])
    op.create_table(
        'published_period',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=200), nullable=False),
        sa.Column('indicator_code', sa.String(length=60), nullable=False),
        sa.Column('geography_code', sa.String(length=20), nullable=False),
        sa.Column('level', sa.String(length=30), nullable=False),
        sa.Column('period_type', sa.String(length=10), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('territories', sa.Integer(), nullable=False),
        sa.Column('home', sa.Boolean(), nullable=False),
        sa.Column('demo', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_published_period', 'published_period', ['indicator_code', 'period_start'])
    op.create_index(op.f('ix_published_period_unit'), 'published_period', ['unit'])
    op.create_table(
        'publication',
        sa.Column('unit', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('unit'),
    )


def downgrade() -> None:
    op.drop_table('publication')
    op.drop_index(op.f('ix_published_period_unit'), table_name='published_period')
    op.drop_index('ix_published_period', table_name='published_period')
    op.drop_table('published_period')
    op.drop_index('ix_published_unit', table_name='published_value')
    op.drop_index('ix_published_territory', table_name='published_value')
    op.drop_index('ix_published_lookup', table_name='published_value')
    op.drop_table('published_value')
