"""registers: forms (biểu mẫu) attached to procedure versions

Revision ID: 0007_registers_forms
Revises: 0001_core
Create Date: 2026-12-04 06:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_registers_forms'
down_revision = '0001_core'
branch_labels = ('registers',)
depends_on = None


def upgrade() -> None:
    op.create_table('form_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_form_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_files'))
    )
    with op.batch_alter_table('form_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_files_sha256'), ['sha256'], unique=False)

    op.create_table('version_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('form_file_id', sa.Integer(), nullable=False),
    sa.Column('attached_at_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['form_file_id'], ['form_files.id'], name=op.f('fk_version_forms_form_file_id_form_files')),
    sa.ForeignKeyConstraint(['version_id'], ['procedure_versions.id'], name=op.f('fk_version_forms_version_id_procedure_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_forms')),
    sa.UniqueConstraint('version_id', 'code', name=op.f('uq_version_forms_version_id_code'))
    )
    with op.batch_alter_table('version_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_forms_form_file_id'), ['form_file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_forms_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('version_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_forms_version_id'))
        batch_op.drop_index(batch_op.f('ix_version_forms_form_file_id'))
    op.drop_table('version_forms')
    with op.batch_alter_table('form_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_files_sha256'))
    op.drop_table('form_files')
