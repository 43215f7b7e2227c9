"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 09:56:43.253556
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('rights', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('import_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('raw_path', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('source_url', sa.Text(), nullable=True),
    sa.Column('licence', sa.Text(), nullable=False),
    sa.Column('quality', sa.String(length=20), nullable=False),
    sa.Column('caveats', sa.Text(), nullable=True),
    sa.Column('data_date', sa.Text(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rolled_back_at', sa.DateTime(), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('undo', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_record_sha256'), ['sha256'], unique=False)

    op.create_table('indicator',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('counts', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('ali',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('circonscription_code', sa.String(length=30), nullable=False),
    sa.Column('porteur', sa.Text(), nullable=True),
    sa.Column('consortium', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('geography',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('family', sa.String(length=20), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('import_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('import_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_event_import_id'), ['import_id'], unique=False)

    op.create_table('structure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('type_code', sa.String(length=40), nullable=False),
    sa.Column('commune_code', sa.String(length=10), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('siret', sa.String(length=14), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('ali_code', sa.String(length=30), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['import_record.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_structure_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_structure_superseded_by'), ['superseded_by'], unique=False)

    op.create_table('structure_type',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('territory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('geography_code', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=True),
    sa.Column('label_lon', sa.Float(), nullable=True),
    sa.Column('label_lat', sa.Float(), nullable=True),
    sa.Column('area_km2', sa.Float(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['geography_code'], ['geography.code'], ),
    sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('geography_code', 'level', 'code')
    )
    op.create_table('figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=60), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('period_type', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('flag', sa.String(length=20), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicator.code'], ),
    sa.ForeignKeyConstraint(['superseded_by'], ['import_record.id'], ),
    sa.ForeignKeyConstraint(['territory_id'], ['territory.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.create_index('ix_figure_current', ['indicator_code', 'period_type', 'period_start', 'territory_id'], unique=True, sqlite_where=sa.text('superseded_by IS NULL'), postgresql_where=sa.text('superseded_by IS NULL'))
        batch_op.create_index('ix_figure_territory', ['territory_id', 'indicator_code'], unique=False)

    op.create_table('territory_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('weight_basis', sa.Text(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['territory.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['import_record.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['territory.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('child_id', 'parent_id')
    )
    with op.batch_alter_table('territory_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_territory_link_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_territory_link_parent_id'), ['parent_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('territory_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_territory_link_parent_id'))
        batch_op.drop_index(batch_op.f('ix_territory_link_child_id'))

    op.drop_table('territory_link')
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.drop_index('ix_figure_territory')
        batch_op.drop_index('ix_figure_current', sqlite_where=sa.text('superseded_by IS NULL'), postgresql_where=sa.text('superseded_by IS NULL'))

    op.drop_table('figure')
    op.drop_table('territory')
    op.drop_table('structure_type')
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_structure_superseded_by'))
        batch_op.drop_index(batch_op.f('ix_structure_import_id'))

    op.drop_table('structure')
    with op.batch_alter_table('import_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_event_import_id'))

    op.drop_table('import_event')
    op.drop_table('geography')
    op.drop_table('ali')
    op.drop_table('indicator')
    with op.batch_alter_table('import_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_record_sha256'))

    op.drop_table('import_record')
    op.drop_table('app_user')
