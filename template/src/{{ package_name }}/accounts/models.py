"""Users, organizations and the memberships that give users roles in them."""

import enum
from typing import Any, ClassVar

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamps
from ..extensions import db
from ..security.ids import PublicId
from .passwords import hash_password, password_matches


class Role(enum.StrEnum):
    """A member's role in an organization, from least to most privileged."""

    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class User(PublicId, Timestamps, db.Model):
    __tablename__ = "users"
    # AUTOINCREMENT: a deleted user's key is never handed to a later user.
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return password_matches(self.password_hash, password)


class Organization(PublicId, Timestamps, db.Model):
    """A tenant. Users reach it only through a membership (see `security.principal`)."""

    __tablename__ = "organizations"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}
    __scope__ = "membership"

    name: Mapped[str] = mapped_column(String(100))


class Membership(Timestamps, db.Model):
    __tablename__ = "memberships"
    # A list of an organization's members, or of a user's organizations, is a range of one of
    # these indexes in creation order.
    __table_args__ = (
        UniqueConstraint("org_id", "user_id"),
        Index("ix_memberships_org_list", "org_id", "created_at"),
        Index("ix_memberships_user_list", "user_id", "created_at"),
    )
    __scope__ = "org"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=16,
            values_callable=lambda roles: [role.value for role in roles],
        )
    )

    org: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
