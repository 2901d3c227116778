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
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_type', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('established_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('dissolved_on', sa.Date(), nullable=True))

    op.create_table('admin_procedures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=1000), nullable=False),
    sa.Column('name_key', sa.String(length=1000), nullable=False),
    sa.Column('field', sa.String(length=255), nullable=True),
    sa.Column('field_key', sa.String(length=255), nullable=True),
    sa.Column('levels', sa.String(length=64), nullable=False),
    sa.Column('agency_kinds', sa.String(length=255), nullable=False),
    sa.Column('implementing_agency', sa.String(length=1000), nullable=True),
    sa.Column('agency_codes', sa.String(length=1000), nullable=False),
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
        batch_op.create_index(batch_op.f('ix_admin_procedures_field_key'), ['field_key'], unique=False)
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

    op.create_table('rejected_link_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('rejected_by_id', sa.Integer(), nullable=True),
    sa.Column('rejected_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_rejected_link_suggestions_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['rejected_by_id'], ['users.id'], name=op.f('fk_rejected_link_suggestions_rejected_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejected_link_suggestions')),
    sa.UniqueConstraint('procedure_id', 'code', name=op.f('uq_rejected_link_suggestions_procedure_id_code'))
    )
    with op.batch_alter_table('rejected_link_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rejected_link_suggestions_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('agency_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('decision', sa.String(length=255), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_agency_changes_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_changes'))
    )
    with op.batch_alter_table('agency_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_changes_effective_on'), ['effective_on'], unique=False)

    op.create_table('agency_change_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('name_before', sa.String(length=255), nullable=True),
    sa.Column('name_after', sa.String(length=255), nullable=True),
    sa.Column('level_before', sa.String(length=16), nullable=True),
    sa.Column('level_after', sa.String(length=16), nullable=True),
    sa.Column('kind_before', sa.String(length=64), nullable=True),
    sa.Column('kind_after', sa.String(length=64), nullable=True),
    sa.Column('unit_type_before', sa.String(length=16), nullable=True),
    sa.Column('unit_type_after', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_change_parties_agency_id_agencies')),
    sa.ForeignKeyConstraint(['change_id'], ['agency_changes.id'], name=op.f('fk_agency_change_parties_change_id_agency_changes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_change_parties'))
    )
    with op.batch_alter_table('agency_change_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_change_parties_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_change_parties_change_id'), ['change_id'], unique=False)

    op.create_table('procedure_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('from_agency_id', sa.Integer(), nullable=False),
    sa.Column('to_agency_id', sa.Integer(), nullable=True),
    sa.Column('code_before', sa.String(length=64), nullable=False),
    sa.Column('code_after', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['agency_changes.id'], name=op.f('fk_procedure_transfers_change_id_agency_changes')),
    sa.ForeignKeyConstraint(['from_agency_id'], ['agencies.id'], name=op.f('fk_procedure_transfers_from_agency_id_agencies')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_transfers_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['to_agency_id'], ['agencies.id'], name=op.f('fk_procedure_transfers_to_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_transfers'))
    )
    with op.batch_alter_table('procedure_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_transfers_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procedure_transfers_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('iso_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('qms_built', sa.Boolean(), nullable=False),
    sa.Column('qms_applied', sa.Boolean(), nullable=False),
    sa.Column('classification', sa.String(length=16), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('agency_name', sa.String(length=255), nullable=False),
    sa.Column('agency_level', sa.String(length=16), nullable=False),
    sa.Column('agency_kind', sa.String(length=64), nullable=True),
    sa.Column('agency_unit_type', sa.String(length=16), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_iso_assessments_agency_id_agencies')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_iso_assessments_entered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_iso_assessments')),
    sa.UniqueConstraint('agency_id', 'year', name=op.f('uq_iso_assessments_agency_id_year'))
    )
    with op.batch_alter_table('iso_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_iso_assessments_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_iso_assessments_year'), ['year'], unique=False)


def downgrade() -> None:
    op.drop_table('iso_assessments')
    op.drop_table('procedure_transfers')
    op.drop_table('agency_change_parties')
    op.drop_table('agency_changes')
    op.drop_table('rejected_link_suggestions')
    op.drop_table('admin_procedure_changes')
    op.drop_table('admin_procedure_legal_bases')
    op.drop_table('admin_procedures')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('dissolved_on')
        batch_op.drop_column('established_on')
        batch_op.drop_column('unit_type')
