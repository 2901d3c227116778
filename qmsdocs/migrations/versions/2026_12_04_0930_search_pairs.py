"""search: adjacent word pairs of current records, for quoted phrases on PostgreSQL

Revision ID: search_0930_pairs
Revises: search_0602_ranking
Create Date: 2026-12-04 09:30:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'search_0930_pairs'
down_revision = 'search_0602_ranking'
branch_labels = None
depends_on = None

search_vector = sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')

# The pairs of the records already indexed, read back from the positions of `document`: at each
# position the folded form (the one with fewest non-ASCII bytes; a word without diacritics has
# one form), paired with the word at the next position. Runs are separated by a gap, so no pair
# spans two parts. Where a word's positions were capped (256 per form) a pair may be missing
# until the next `qms reindex`, which builds them from the text; `<->` had the same gap.
FILL_PAIRS = """
UPDATE search_documents s SET pairs = p.pairs
FROM (
    SELECT id, array_to_tsvector(array_agg(DISTINCT word || ' ' || next_word)) AS pairs
    FROM (
        SELECT id, position, word, lead(word) OVER w AS next_word, lead(position) OVER w AS next_position
        FROM (
            SELECT DISTINCT ON (d.id, position) d.id, position, u.lexeme AS word
            FROM search_documents d, unnest(d.document) AS u(lexeme, positions, weights),
                 unnest(u.positions) AS position
            WHERE d.is_current
            ORDER BY d.id, position, octet_length(u.lexeme) - char_length(u.lexeme)
        ) words
        WINDOW w AS (PARTITION BY id ORDER BY position)
    ) sequence
    WHERE next_position = position + 1
    GROUP BY id
) p
WHERE s.id = p.id
"""


def upgrade() -> None:
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pairs', search_vector, nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FILL_PAIRS)
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_current_pairs', ['pairs'], unique=False,
                              postgresql_using='gin', postgresql_where=sa.text('is_current'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ANALYZE search_documents")


def downgrade() -> None:
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_current_pairs')
        batch_op.drop_column('pairs')
