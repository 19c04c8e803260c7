"""Invitations: an organization's admins offer a membership to an email address, and nobody
becomes a member until the holder of that address accepts.

Inviting answers the same whether or not the address has an account, so it tells nothing about
who is registered. The invitee reaches the invitations addressed to its account's email through
`MyInvitations`; admins reach their organization's through `OrgInvitations`. Either way another
user's invitation cannot be told from one that does not exist, and an expired one is gone.
"""

import uuid
from datetime import timedelta

from flask import abort, current_app
from flask_smorest import Blueprint
from sqlalchemy import ColumnElement, delete
from sqlalchemy.exc import IntegrityError

from ..contract import refuses
from ..database import utcnow
from ..extensions import db
from ..pagination import LINK_HEADER, Listed, PageArgs, PageRequest, paginate
from ..security.access import authenticated, org_admin
from ..security.guard import scoped_statements
from ..security.principal import current_principal
from ..security.repository import ScopedRepository, forbidden
from ..security.scope import Scope
from .models import Invitation, Membership, Role
from .orgs import Members
from .schemas import InvitationIn, InvitationOut, MyInvitationOut, OrgOut

blp = Blueprint("invitations", __name__, description="Invitations to organizations")


class OrgInvitations(ScopedRepository[Invitation]):
    """The pending (unexpired) invitations of the scope's organization."""

    model = Invitation

    def conditions(self) -> list[ColumnElement[bool]]:
        assert self.scope.org is not None
        return [Invitation.org_id == self.scope.org.id, Invitation.expires_at > utcnow()]

    def find_email(self, email: str) -> Invitation | None:
        """The pending invitation of this (lower-case) address, or None."""
        with scoped_statements():
            query = self.select().where(Invitation.email == email)
            return db.session.scalars(query).one_or_none()

    def forget_expired(self, email: str) -> None:
        """Delete this address's expired invitation to the organization, if any."""
        assert self.scope.org is not None
        statement = delete(Invitation).where(
            Invitation.org_id == self.scope.org.id,
            Invitation.email == email,
            Invitation.expires_at <= utcnow(),
        )
        with scoped_statements():
            db.session.execute(statement)


class MyInvitations(ScopedRepository[Invitation]):
    """The pending invitations addressed to the caller's email, whatever the organization."""

    model = Invitation
    scope_kind = "owner"

    def conditions(self) -> list[ColumnElement[bool]]:
        return [Invitation.email == self.scope.user.email, Invitation.expires_at > utcnow()]


@blp.route("/orgs/<public_id:org_id>/invitations", methods=["POST"])
@org_admin
@refuses(403, "An admin cannot invite an owner.")
@refuses(409, "The address belongs to a member, or has a pending invitation.")
@blp.arguments(InvitationIn, example={"email": "erin@example.com", "role": "member"})
@blp.response(201, InvitationOut)
def invite(data: dict[str, str], *, scope: Scope) -> Invitation:
    """Invite an email address to the organization (admins and owners).

    The answer is the same whether or not the address has an account; nobody joins until
    the holder of the address accepts.
    """
    assert scope.role is not None and scope.org is not None
    role = Role(data["role"])
    if role.rank > scope.role.rank:
        forbidden(scope.org.public_id, f"cannot invite as {role}: it is above your role")
    email = data["email"].lower()
    if Members(scope).find_email(email) is not None:
        abort(409, "This address belongs to a member already.")
    invitations = OrgInvitations(scope)
    invitations.forget_expired(email)
    if invitations.find_email(email) is not None:
        abort(409, "This address has a pending invitation; revoke it to invite it again.")
    expires_at = utcnow() + timedelta(seconds=current_app.config["INVITATION_TTL_SECONDS"])
    try:
        invitation = invitations.add(Invitation(email=email, role=role, expires_at=expires_at))
    except IntegrityError:
        db.session.rollback()
        abort(409, "This address has a pending invitation; revoke it to invite it again.")
    db.session.commit()
    return invitation


@blp.route("/orgs/<public_id:org_id>/invitations", methods=["GET"])
@org_admin
@blp.arguments(PageArgs, location="query")
@blp.response(200, InvitationOut(many=True), headers=LINK_HEADER)
@blp.alt_response(400, response="BAD_REQUEST")
def list_invitations(query: PageRequest, *, scope: Scope) -> Listed[Invitation]:
    """The organization's pending invitations, oldest first (admins and owners)."""
    return paginate(OrgInvitations(scope), query)


@blp.route("/orgs/<public_id:org_id>/invitations/<public_id:invitation_id>", methods=["DELETE"])
@org_admin
@refuses(403, "Only an owner revokes an invitation to the owner role.")
@blp.response(204)
def revoke_invitation(invitation_id: uuid.UUID, *, scope: Scope) -> None:
    """Revoke a pending invitation (admins and owners; only owners revoke an owner's)."""
    assert scope.role is not None
    invitation = OrgInvitations(scope).get(invitation_id)
    if invitation.role.rank > scope.role.rank:
        forbidden(invitation_id, "cannot revoke an invitation to a role above yours")
    db.session.delete(invitation)
    db.session.commit()


@blp.route("/me/invitations", methods=["GET"])
@authenticated
@blp.arguments(PageArgs, location="query")
@blp.response(200, MyInvitationOut(many=True), headers=LINK_HEADER)
@blp.alt_response(400, response="BAD_REQUEST")
def list_my_invitations(query: PageRequest, *, scope: Scope) -> Listed[Invitation]:
    """The pending invitations addressed to the caller's email, oldest first."""
    return paginate(MyInvitations(scope), query)


@blp.route("/me/invitations/<public_id:invitation_id>/accept", methods=["POST"])
@authenticated
@refuses(409, "The caller is a member of the organization already.")
@blp.response(201, OrgOut)
def accept_invitation(invitation_id: uuid.UUID, *, scope: Scope) -> Membership:
    """Join the organization with the invited role; the invitation is used up."""
    invitation = MyInvitations(scope).get(invitation_id)
    if current_principal().membership_in(invitation.org.public_id) is not None:
        abort(409, "You are a member of this organization already; decline the invitation.")
    membership = Membership(org=invitation.org, user=scope.user, role=invitation.role)
    db.session.add(membership)
    db.session.delete(invitation)
    db.session.commit()
    return membership


@blp.route("/me/invitations/<public_id:invitation_id>/decline", methods=["POST"])
@authenticated
@blp.response(204)
def decline_invitation(invitation_id: uuid.UUID, *, scope: Scope) -> None:
    """Turn an invitation down; it is deleted, and its organization sees it no more."""
    db.session.delete(MyInvitations(scope).get(invitation_id))
    db.session.commit()
