"""alerts follow the state; detailing lapse; provincial documents; article-level citations

Alerts: a cause may be raised again (occurrence), dismissals hold for one version
(dismissed_version_id), article ranking (cites_touched_article). Legal documents: the key
citations carry (citation_key, filled from key: no existing key changes), province of a
local authority, inferred status with its reason (status_reason, lapsed_with_id) and when an
administrator set the status by hand (status_set_at). Changes name the articles they touch.
Citations keep the articles cited with the symbol. Agencies record their province and
former province (provinces merged on 1 July 2025).

Revision ID: 0005_alerts_follow_state
Revises: 0003_legal_alerts
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_alerts_follow_state"
down_revision = "0003_legal_alerts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurrence", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("dismissed_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cites_touched_article", sa.Boolean(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_alerts_procedure_id_cause"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_alerts_procedure_id_cause_occurrence"),
                                          ["procedure_id", "cause", "occurrence"])
        batch_op.create_foreign_key(batch_op.f("fk_alerts_dismissed_version_id_procedure_versions"),
                                    "procedure_versions", ["dismissed_version_id"], ["id"])
    # An earlier dismissal was about the version the alert was opened on.
    op.execute("UPDATE alerts SET dismissed_version_id = version_id WHERE status = 'dismissed'")

    with op.batch_alter_table("legal_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("citation_key", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("province", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("lapsed_with_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status_set_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_legal_documents_citation_key"), ["citation_key"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_legal_documents_lapsed_with_id_legal_documents"),
                                    "legal_documents", ["lapsed_with_id"], ["id"])
    op.execute("UPDATE legal_documents SET citation_key = key")

    with op.batch_alter_table("legal_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("articles", sa.String(length=255), nullable=True))

    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("articles", sa.String(length=255), nullable=True))

    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("former_province", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("former_province")
        batch_op.drop_column("province")
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.drop_column("articles")
    with op.batch_alter_table("legal_changes", schema=None) as batch_op:
        batch_op.drop_column("articles")
    with op.batch_alter_table("legal_documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_legal_documents_lapsed_with_id_legal_documents"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_legal_documents_citation_key"))
        for column in ("status_set_at", "lapsed_with_id", "status_reason", "province", "citation_key"):
            batch_op.drop_column(column)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alerts_dismissed_version_id_procedure_versions"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_alerts_procedure_id_cause_occurrence"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_alerts_procedure_id_cause"), ["procedure_id", "cause"])
        for column in ("cites_touched_article", "dismissed_version_id", "occurrence"):
            batch_op.drop_column(column)
