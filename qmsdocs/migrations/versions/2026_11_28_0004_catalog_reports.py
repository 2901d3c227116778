"""catalog and reports: TTHC catalog with history, agency reorganization, annual assessment

Revision ID: 0004_catalog_reports
Revises: 0001_core
Create Date: 2026-11-28 21:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_catalog_reports'
down_revision = '0001_core'
branch_labels = ('catalog_reports',)
depends_on = None


def upgrade() -> None:
    op.create_table('admin_procedures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=1000), nullable=False),
    sa.Column('field', sa.String(length=255), nullable=True),
    sa.Column('levels', sa.String(length=64), nullable=False),
    sa.Column('agency_kinds', sa.String(length=255), nullable=False),
    sa.Column('publishing_decision', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('abolished_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_procedures')),
    sa.UniqueConstraint('code', name=op.f('uq_admin_procedures_code'))
    )
    with op.batch_alter_table('admin_procedures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_procedures_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_procedures_status'), ['status'], unique=False)

    op.create_table('admin_procedure_legal_bases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admin_procedure_id', sa.Integer(), nullable=False),
    sa.Column('symbol', sa.String(length=128), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['admin_procedure_id'], ['admin_procedures.id'], name=op.f('fk_admin_procedure_legal_bases_admin_procedure_id_admin_procedures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_procedure_legal_bases'))
    )
    with op.batch_alter_table('admin_procedure_legal_bases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_procedure_legal_bases_admin_procedure_id'), ['admin_procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_procedure_legal_bases_key'), ['key'], unique=False)

    op.create_table('admin_procedure_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admin_procedure_id', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_procedure_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['admin_procedure_id'], ['admin_procedures.id'], name=op.f('fk_admin_procedure_changes_admin_procedure_id_admin_procedures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_procedure_changes'))
    )
    with op.batch_alter_table('admin_procedure_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_procedure_changes_admin_procedure_id'), ['admin_procedure_id'], unique=False)


def downgrade() -> None:
    op.drop_table('admin_procedure_changes')
    op.drop_table('admin_procedure_legal_bases')
    op.drop_table('admin_procedures')
