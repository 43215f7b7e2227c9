"""audit_event: the append-only trail of sign-ins, imports, rollbacks and account changes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('who', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_audit_event_at'), 'audit_event', ['at'])
    op.create_index(op.f('ix_audit_event_who'), 'audit_event', ['who'])


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_event_who'), table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_at'), table_name='audit_event')
    op.drop_table('audit_event')
