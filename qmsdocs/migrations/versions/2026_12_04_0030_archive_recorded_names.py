"""archive: recorded uploader and approver names of versions brought in from another service

Revision ID: 0006_archive_names
Revises: 0001_core
Create Date: 2026-12-04 00:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_archive_names'
down_revision = '0001_core'
branch_labels = ('archive',)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uploaded_by_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('decided_by_name', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.drop_column('decided_by_name')
        batch_op.drop_column('uploaded_by_name')
