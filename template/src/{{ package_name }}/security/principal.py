"""The authenticated caller, and its memberships read fresh from the database."""

import uuid
from dataclasses import dataclass

from flask import g, request
from sqlalchemy import select

from ..accounts.models import Membership, Organization, User
from ..extensions import db
from .guard import scoped_statements
from .rls import set_identity
from .tokens import ApiToken, find_active_token


@dataclass(frozen=True)
class Principal:
    user: User
    token: ApiToken

    def membership_in(self, org_public_id: uuid.UUID) -> Membership | None:
        """This user's membership in the organization, read on every call, never cached.

        A non-member and a missing organization are indistinguishable: both give None.
        """
        query = (
            select(Membership)
            .join(Organization, Membership.org_id == Organization.id)
            .where(Organization.public_id == org_public_id, Membership.user_id == self.user.id)
        )
        with scoped_statements():
            return db.session.scalars(query).one_or_none()


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer ...` header, or None."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def authenticate() -> tuple[Principal | None, str]:
    """Resolve the request's principal; the string says why there is none."""
    if "principal" in g:
        return g.principal, "cached"
    plaintext = bearer_token()
    if plaintext is None:
        return None, "missing credentials"
    token = find_active_token(plaintext)
    if token is None:
        return None, "invalid, expired or revoked token"
    g.principal = Principal(user=token.user, token=token)
    set_identity(token.user.id)
    return g.principal, "token"


def current_principal() -> Principal:
    """The principal of a request that passed an authenticated policy."""
    principal = g.get("principal")
    if principal is None:
        raise RuntimeError("no authenticated principal: the view lacks an authenticated policy")
    return principal
