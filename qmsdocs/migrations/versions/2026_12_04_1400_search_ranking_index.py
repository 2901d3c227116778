"""search: a GIN index of the title and meta words of current records (PostgreSQL backend)

A search whose plain words match very many records ranks only those whose title and meta hold
every word, found through this index instead of testing each match.

Revision ID: search_1400_ranking_index
Revises: search_0930_pairs
Create Date: 2026-12-04 14:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'search_1400_ranking_index'
down_revision = 'search_0930_pairs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_current_ranking', ['ranking'], unique=False,
                              postgresql_using='gin', postgresql_where=sa.text('is_current'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ANALYZE search_documents")


def downgrade() -> None:
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_current_ranking')
