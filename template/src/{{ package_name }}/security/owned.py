"""Ownership columns: mixing one of these in makes a model owner- or org-scoped.

A scoped model declares its own list index, (owner_id or org_id, created_at, public_id): one
index serves the scope's filter, the list order and the foreign key.
"""

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class OwnedByUser:
    """Rows that belong to one user; deleting the user deletes them."""

    __scope__ = "owner"

    @declared_attr
    def owner_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class OwnedByOrg:
    """Rows that belong to one organization; any member sees them.

    The creator is kept so that it may change its own rows without an admin role;
    deleting the creator keeps the rows for the organization.
    """

    __scope__ = "org"

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))

    @declared_attr
    def creator_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
