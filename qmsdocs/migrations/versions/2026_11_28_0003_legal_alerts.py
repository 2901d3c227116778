"""legal registry and stale-procedure alerts

Revision ID: 0003_legal_alerts
Revises: 0001_core
Create Date: 2026-11-28 21:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0003_legal_alerts"
down_revision = "0001_core"
branch_labels = ("legal_alerts",)
depends_on = None


def upgrade() -> None:
    op.create_table('legal_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('symbol', sa.String(length=128), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('doc_type', sa.String(length=64), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_documents')),
    sa.UniqueConstraint('key', name=op.f('uq_legal_documents_key'))
    )
    with op.batch_alter_table('legal_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_documents_status'), ['status'], unique=False)

    op.create_table('legal_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('is_symbol', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['legal_documents.id'], name=op.f('fk_legal_aliases_document_id_legal_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_aliases')),
    sa.UniqueConstraint('key', name=op.f('uq_legal_aliases_key'))
    )
    with op.batch_alter_table('legal_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_aliases_document_id'), ['document_id'], unique=False)

    op.create_table('legal_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('by_document_id', sa.Integer(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_document_id'], ['legal_documents.id'], name=op.f('fk_legal_changes_by_document_id_legal_documents')),
    sa.ForeignKeyConstraint(['document_id'], ['legal_documents.id'], name=op.f('fk_legal_changes_document_id_legal_documents')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_legal_changes_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_changes')),
    sa.UniqueConstraint('document_id', 'kind', 'by_document_id', 'effective_on', name=op.f('uq_legal_changes_document_id_kind_by_document_id_effective_on'))
    )
    with op.batch_alter_table('legal_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_changes_by_document_id'), ['by_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_changes_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_changes_effective_on'), ['effective_on'], unique=False)

    op.create_table('procedure_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_procedure_reviews_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_procedure_reviews_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_reviews'))
    )
    with op.batch_alter_table('procedure_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_reviews_procedure_id'), ['procedure_id'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('cause', sa.String(length=255), nullable=False),
    sa.Column('legal_document_id', sa.Integer(), nullable=True),
    sa.Column('legal_change_id', sa.Integer(), nullable=True),
    sa.Column('tthc_code', sa.String(length=64), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('upcoming', sa.Boolean(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('resolution_hint', sa.Text(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(), nullable=True),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.Column('dismissal_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['users.id'], name=op.f('fk_alerts_dismissed_by_id_users')),
    sa.ForeignKeyConstraint(['legal_change_id'], ['legal_changes.id'], name=op.f('fk_alerts_legal_change_id_legal_changes')),
    sa.ForeignKeyConstraint(['legal_document_id'], ['legal_documents.id'], name=op.f('fk_alerts_legal_document_id_legal_documents')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_alerts_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_alerts_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['procedure_versions.id'], name=op.f('fk_alerts_version_id_procedure_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('procedure_id', 'cause', name=op.f('uq_alerts_procedure_id_cause'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_legal_change_id'), ['legal_change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_legal_document_id'), ['legal_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_rule'), ['rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_status'), ['status'], unique=False)

    op.create_table('legal_name_citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['legal_documents.id'], name=op.f('fk_legal_name_citations_document_id_legal_documents')),
    sa.ForeignKeyConstraint(['version_id'], ['procedure_versions.id'], name=op.f('fk_legal_name_citations_version_id_procedure_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_name_citations')),
    sa.UniqueConstraint('version_id', 'document_id', name=op.f('uq_legal_name_citations_version_id_document_id'))
    )
    with op.batch_alter_table('legal_name_citations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_name_citations_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_name_citations_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('legal_name_citations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_name_citations_version_id'))
        batch_op.drop_index(batch_op.f('ix_legal_name_citations_document_id'))

    op.drop_table('legal_name_citations')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_status'))
        batch_op.drop_index(batch_op.f('ix_alerts_rule'))
        batch_op.drop_index(batch_op.f('ix_alerts_procedure_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_opened_at'))
        batch_op.drop_index(batch_op.f('ix_alerts_legal_document_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_legal_change_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('procedure_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_reviews_procedure_id'))

    op.drop_table('procedure_reviews')
    with op.batch_alter_table('legal_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_changes_effective_on'))
        batch_op.drop_index(batch_op.f('ix_legal_changes_document_id'))
        batch_op.drop_index(batch_op.f('ix_legal_changes_by_document_id'))

    op.drop_table('legal_changes')
    with op.batch_alter_table('legal_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_aliases_document_id'))

    op.drop_table('legal_aliases')
    with op.batch_alter_table('legal_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_documents_status'))

    op.drop_table('legal_documents')
