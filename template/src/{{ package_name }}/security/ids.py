"""Public ids: a random UUID4 per row, the only id that leaves the database."""

import uuid

from sqlalchemy import Uuid
from sqlalchemy.orm import Mapped, mapped_column


class PublicId:
    """A random, unguessable public id beside the internal integer key.

    The integer key stays internal: it orders rows and joins tables, and no URL,
    request or response ever carries it.
    """

    public_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(as_uuid=True), default=uuid.uuid4, unique=True, index=True, sort_order=-1
    )
