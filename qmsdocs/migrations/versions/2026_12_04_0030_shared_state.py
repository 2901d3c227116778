"""shared state: blobs in the database (chunked), settings shared by every app server

Revision ID: 0006_shared_state
Revises: 0001_core
Create Date: 2026-12-04 00:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_shared_state'
down_revision = '0001_core'
branch_labels = ('shared_state',)
depends_on = None


def upgrade() -> None:
    op.create_table('stored_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_blobs'))
    )
    op.create_table('stored_blob_chunks',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['stored_blobs.sha256'],
                            name=op.f('fk_stored_blob_chunks_sha256_stored_blobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sha256', 'seq', name=op.f('pk_stored_blob_chunks'))
    )
    op.create_table('shared_settings',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_shared_settings'))
    )


def downgrade() -> None:
    op.drop_table('shared_settings')
    op.drop_table('stored_blob_chunks')
    op.drop_table('stored_blobs')
