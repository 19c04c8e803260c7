"""Opaque API tokens: random, stored only as a hash, revocable, with an expiry."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import utcnow
from ..extensions import db
from .guard import scoped_statements
from .ids import PublicId

TOKEN_PREFIX = "tok_"  # noqa: S105 - a marker, not a secret


class ApiToken(PublicId, db.Model):
    """A bearer token of one user: an owner-scoped row, reached through a ScopedRepository."""

    __tablename__ = "api_tokens"
    __scope__ = "owner"
    # A user's tokens, listed in creation order, are one range of this index.
    __table_args__ = (Index("ix_api_tokens_list", "user_id", "created_at", "public_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so one fast hash is enough to make a leaked table useless."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, ttl_seconds: int) -> tuple[ApiToken, str]:
    """Create a token for `user`; the plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        token_hash=hash_token(plaintext),
        expires_at=utcnow() + timedelta(seconds=ttl_seconds),
    )
    db.session.add(token)
    return token, plaintext


def find_active_token(plaintext: str) -> ApiToken | None:
    """Return the unrevoked, unexpired token with this value, or None."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 128:
        return None
    query = select(ApiToken).where(
        ApiToken.token_hash == hash_token(plaintext),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > utcnow(),
    )
    with scoped_statements():
        return db.session.scalars(query).one_or_none()


def revoke(token: ApiToken) -> None:
    token.revoked_at = utcnow()
