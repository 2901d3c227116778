"""search: a small ranking vector and indexes of current records for the PostgreSQL backend

Revision ID: search_0602_ranking
Revises: 0002_search
Create Date: 2026-12-04 06:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'search_0602_ranking'
down_revision = '0002_search'
branch_labels = None
depends_on = None

search_vector = sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ranking', search_vector, nullable=True))
        batch_op.create_index('ix_search_documents_current_document', ['document'], unique=False,
                              postgresql_using='gin', postgresql_where=sa.text('is_current'))
        batch_op.create_index('ix_search_documents_current_keywords', ['keywords'], unique=False,
                              postgresql_using='gin', postgresql_where=sa.text('is_current'))
    if op.get_bind().dialect.name == 'postgresql':
        # The title and meta words (weights A and B) of the records already indexed.
        op.execute("UPDATE search_documents SET ranking = ts_filter(document, '{a,b}')")


def downgrade() -> None:
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_current_keywords')
        batch_op.drop_index('ix_search_documents_current_document')
        batch_op.drop_column('ranking')
