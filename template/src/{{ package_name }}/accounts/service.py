"""Rules about memberships and accounts that more than one route relies on."""

from flask import abort
from sqlalchemy import func, select

from ..extensions import db
from ..security.guard import scoped_statements
from ..security.repository import forbidden
from ..security.scope import Scope
from .models import Membership, Role, User


def owner_count(org_id: int) -> int:
    query = select(func.count()).where(Membership.org_id == org_id, Membership.role == Role.OWNER)
    with scoped_statements():
        return db.session.scalar(query) or 0


def check_role_change(scope: Scope, member: Membership, new_role: Role | None) -> None:
    """Function-level authorization for changing (or, with None, removing) a membership.

    Nobody changes their own role, nobody grants a role above their own, and an admin
    cannot touch an owner. Leaving an organization is always allowed, except for its last
    owner.
    """
    assert scope.role is not None
    target = member.user.public_id
    if member.user_id == scope.user.id:
        if new_role is not None:
            forbidden(target, "members cannot change their own role")
        if member.role is Role.OWNER and owner_count(member.org_id) == 1:
            abort(409, "The last owner cannot leave; appoint another owner first.")
        return
    if not scope.has_role(Role.ADMIN):
        forbidden(target, "requires the admin role in this organization")
    if member.role.rank > scope.role.rank:
        forbidden(target, "cannot change a member whose role is above yours")
    if new_role is not None and new_role.rank > scope.role.rank:
        forbidden(target, f"cannot grant {new_role}: it is above your role")


def delete_user(user: User) -> None:
    """Delete a user; tokens and memberships go with it, and so do orgs it was alone in.

    Refused while the user is the last owner of an organization that has other members.
    """
    query = select(Membership).where(Membership.user_id == user.id)
    with scoped_statements():
        memberships = list(db.session.scalars(query))
        for membership in memberships:
            if membership.role is not Role.OWNER or owner_count(membership.org_id) > 1:
                continue
            members = select(func.count()).where(Membership.org_id == membership.org_id)
            if (db.session.scalar(members) or 0) > 1:
                abort(409, "You are the last owner of an organization with members.")
            db.session.delete(membership.org)
        db.session.delete(user)
        db.session.flush()
