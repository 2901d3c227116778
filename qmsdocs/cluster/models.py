"""Settings every app server must agree on, kept in the shared database rather than a local file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qmsdocs.db import Base, utcnow


class SharedSetting(Base):
    __tablename__ = "shared_settings"

    # e.g. "secret_key": written once by the first server, read by the others.
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SharedSetting {self.name}>"
