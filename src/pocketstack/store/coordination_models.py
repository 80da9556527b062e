"""What the API processes of one cloud share through the database (storage revision 0008):
counters that move when cached state changes, and leases that elect one process for a job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from pocketstack.store.models import Base


class Revision(Base):
    """A named counter, moved in the same transaction as the change it stands for; a process
    keeps a cache of that state only while the counter is where it was."""

    __tablename__ = "revisions"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Lease(Base):
    """A job only one process runs at a time: held by ``holder`` until ``expires_at`` (UTC),
    renewed by its holder, taken over by another process once it has expired."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
