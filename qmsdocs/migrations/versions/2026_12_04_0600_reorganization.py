"""reorganization: administrative-unit codes of people's committees, the service's names over time

Revision ID: 0007_reorganization
Revises: 0001_core
Create Date: 2026-12-04 06:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_reorganization'
down_revision = '0001_core'
branch_labels = ('reorganization',)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_agencies_unit_code'), ['unit_code'], unique=False)
    op.create_table('service_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('province', sa.String(length=64), nullable=True),
    sa.Column('former_provinces', sa.Text(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('decision', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_names')),
    sa.UniqueConstraint('effective_on', name=op.f('uq_service_names_effective_on'))
    )


def downgrade() -> None:
    op.drop_table('service_names')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_unit_code'))
        batch_op.drop_column('unit_code')
