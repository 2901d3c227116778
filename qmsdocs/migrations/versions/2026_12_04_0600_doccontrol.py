"""doccontrol: change requests, effective dates of versions, four-eyes approval

Versions record the effective date chosen (effective_on) and the day they became current
(in_force_from, filled for versions approved before: the day of their approval or upload).
Agencies get the four-eyes option.

Revision ID: 0007_doccontrol
Revises: 0001_core
Create Date: 2026-12-04 06:00:00
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0007_doccontrol'
down_revision = '0001_core'
branch_labels = ('doccontrol',)
# Change requests may point at the alert they were made from.
depends_on = '0003_legal_alerts'


def _day(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date() if value is not None else None


def upgrade() -> None:
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('four_eyes_approval', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('in_force_from', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_procedure_versions_in_force_from'), ['in_force_from'], unique=False)

    # Versions approved before effective dates existed were in force from their approval (or upload).
    versions = sa.table('procedure_versions', sa.column('id', sa.Integer()), sa.column('state', sa.String()),
                        sa.column('uploaded_at', sa.DateTime()), sa.column('decided_at', sa.DateTime()),
                        sa.column('in_force_from', sa.Date()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(versions.c.id, versions.c.uploaded_at, versions.c.decided_at)
                              .where(versions.c.state == 'approved')).all()
    for row in rows:
        connection.execute(versions.update().where(versions.c.id == row.id)
                           .values(in_force_from=_day(row.decided_at or row.uploaded_at)))

    op.create_table('change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('proposed_code', sa.String(length=64), nullable=True),
    sa.Column('proposed_title', sa.String(length=500), nullable=True),
    sa.Column('part', sa.String(length=500), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('attachment_sha256', sa.String(length=64), nullable=True),
    sa.Column('attachment_name', sa.String(length=255), nullable=True),
    sa.Column('attachment_size', sa.BigInteger(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_change_requests_agency_id_agencies')),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_change_requests_alert_id_alerts')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_change_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_change_requests_editor_id_users')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_change_requests_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_change_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['procedure_versions.id'], name=op.f('fk_change_requests_version_id_procedure_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests')),
    sa.UniqueConstraint('agency_id', 'year', 'number', name=op.f('uq_change_requests_agency_id_year_number'))
    )
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_requests_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_version_id'), ['version_id'], unique=False)


def downgrade() -> None:
    op.drop_table('change_requests')
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_versions_in_force_from'))
        batch_op.drop_column('in_force_from')
        batch_op.drop_column('effective_on')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('four_eyes_approval')
