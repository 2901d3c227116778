"""Read-and-understood records (sổ theo dõi phân phối), follows, notifications and the mail outbox."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow

# none: nobody is asked; all: every active user of the agency; chosen: the roles and users listed.
READER_SCOPES = ("none", "all", "chosen")
# pending: asked, not yet confirmed; confirmed; superseded: a newer version took effect first;
# withdrawn: the procedure was retired, or the person is no longer among its readers.
ASSIGNMENT_STATES = ("pending", "confirmed", "superseded", "withdrawn")
FOLLOW_TARGETS = ("procedure", "agency", "legal_document")
# immediate: one mail per notification; daily: one digest a day; off: no mail (the bell still shows them).
MAIL_MODES = ("immediate", "daily", "off")
MAIL_STATES = ("pending", "sending", "sent", "failed")


class ReadingPolicy(Base):
    """Who must read an agency's procedures when a version takes effect (đối tượng phải đọc)."""

    __tablename__ = "reading_policies"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), default="none")
    # With scope "chosen": roles whose users of the agency must read, comma-separated (editor,approver).
    roles: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    users: Mapped[list[ReadingPolicyUser]] = relationship(
        cascade="all, delete-orphan", order_by="ReadingPolicyUser.user_id")

    @property
    def role_list(self) -> list[str]:
        return [role for role in self.roles.split(",") if role]

    def __repr__(self) -> str:
        return f"<ReadingPolicy agency {self.agency_id} {self.scope}>"


class ReadingPolicyUser(Base):
    """A person chosen by name to read an agency's procedures (they may work elsewhere)."""

    __tablename__ = "reading_policy_users"
    __table_args__ = (UniqueConstraint("agency_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("reading_policies.agency_id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<ReadingPolicyUser {self.user_id} reads agency {self.agency_id}>"


class ReadingAssignment(Base):
    """One line of the distribution log: a version given to a person to read, and their confirmation."""

    __tablename__ = "reading_assignments"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    # The owning agency when the version was distributed (a later reorganization keeps the log as it was).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # When a pending line stopped asking (superseded or withdrawn).
    closed_at: Mapped[datetime | None]

    version = relationship("ProcedureVersion")
    procedure = relationship("Procedure")
    user = relationship("User")

    def __repr__(self) -> str:
        return f"<ReadingAssignment v{self.version_id} user {self.user_id} {self.state}>"


class Follow(Base):
    """A person follows a procedure, an agency or a legal document to hear of its changes."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # procedure | agency | legal_document
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Follow {self.user_id} → {self.target_type} {self.target_id}>"


class NotificationSettings(Base):
    """Where and how often a person gets mail; without a row: no address, daily mode."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    mail_mode: Mapped[str] = mapped_column(String(16), default="daily")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<NotificationSettings {self.user_id} {self.mail_mode}>"


class Notification(Base):
    """One item under the bell. Its text is written once, in Vietnamese, when it is raised."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # must_read | approval_needed | followed_change | legal_change | alerts_digest | request_assigned | …
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # A path inside the app (/procedures/7); mail makes it absolute with QMSDOCS_PUBLIC_URL.
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    # Waiting for the person's daily digest mail (daily mode, with an address, mail configured).
    awaiting_digest: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} for {self.user_id}>"


class MailOutbox(Base):
    """A mail to send, written in the transaction that raised it; the worker sends it and records the outcome.

    `dedupe_key` is unique, so the same notification or the same day's digest is queued once;
    `message_id` is fixed when queued, so a retry after an interrupted send carries the same id.
    """

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(255))
    # pending | sending (claimed by a worker) | sent | failed (gave up: `qms mail retry` queues it again)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<MailOutbox {self.id} {self.state} to {self.to_address}>"


class DigestRun(Base):
    """The daily digest done for a day (Vietnam's calendar), so it runs once whichever worker runs it."""

    __tablename__ = "digest_runs"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # New alerts are those opened since the previous run's `ran_at`.
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<DigestRun {self.day}>"
