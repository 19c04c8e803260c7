"""Users, organizations, the memberships that give users roles in them, and the invitations
that offer a membership to an email address until its holder accepts or declines."""

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamps, utcnow
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


def role_column() -> Mapped[Role]:
    """A role stored as its name (`member`, `admin`, `owner`), not as a database enum type."""
    return mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=16,
            values_callable=lambda roles: [role.value for role in roles],
        )
    )


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
    role: Mapped[Role] = role_column()

    org: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Invitation(PublicId, db.Model):
    """An organization's offer of `role` to whoever holds `email`, until `expires_at`.

    It names an address, not an account: the address may have no account yet. Nobody becomes
    a member until the holder accepts; accepting, declining and revoking delete the row.
    """

    __tablename__ = "invitations"
    # One invitation per address and organization. An organization's invitations, and an
    # address's, are each listed in creation order from a range of one index.
    __table_args__ = (
        UniqueConstraint("org_id", "email"),
        Index("ix_invitations_org_list", "org_id", "created_at"),
        Index("ix_invitations_email_list", "email", "created_at"),
    )
    __scope__ = "org"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = role_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    org: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
