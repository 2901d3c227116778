"""search: the reindex outbox and the PostgreSQL backend's documents

Revision ID: 0002_search
Revises: 0001_core
Create Date: 2026-11-28 21:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0002_search'
down_revision = '0001_core'
branch_labels = ('search',)
depends_on = None

search_vector = sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')


def upgrade() -> None:
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_outbox_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_outbox_created_at'), ['created_at'], unique=False)

    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_key', sa.String(length=32), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('field', sa.String(length=255), nullable=True),
    sa.Column('field_key', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('admin_codes', sa.Text(), nullable=False),
    sa.Column('legal_keys', sa.Text(), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('document', search_vector, nullable=True),
    sa.Column('keywords', search_vector, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('doc_key', name=op.f('uq_search_documents_doc_key'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_documents_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index('ix_search_documents_document', ['document'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_documents_keywords', ['keywords'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_keywords')
        batch_op.drop_index('ix_search_documents_document')
        batch_op.drop_index(batch_op.f('ix_search_documents_procedure_id'))
    op.drop_table('search_documents')
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_created_at'))
        batch_op.drop_index(batch_op.f('ix_search_outbox_procedure_id'))
    op.drop_table('search_outbox')
