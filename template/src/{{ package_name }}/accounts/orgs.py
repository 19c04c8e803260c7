"""Organizations and their members. An organization is itself a scoped object:
a non-member cannot tell it from one that does not exist. Members join by accepting an
invitation (`invitations.py`); here their roles change and they leave or are removed."""

import uuid
from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import ColumnElement, SQLColumnExpression
from sqlalchemy.orm import contains_eager

from ..contract import refuses
from ..extensions import db
from ..pagination import LINK_HEADER, Listed, PageArgs, PageRequest, paginate
from ..security.access import authenticated, org_admin, org_member, org_owner
from ..security.guard import scoped_statements
from ..security.repository import ScopedRepository
from ..security.scope import Scope
from .models import Membership, Organization, Role, User
from .schemas import MemberOut, OrgIn, OrgOut, RoleIn
from .service import check_role_change

blp = Blueprint("orgs", __name__, url_prefix="/orgs", description="Organizations and members")


class MyMemberships(ScopedRepository[Membership]):
    """The caller's own memberships: one per organization it belongs to."""

    model = Membership
    scope_kind = "owner"

    def conditions(self) -> list[ColumnElement[bool]]:
        return [Membership.user_id == self.scope.user.id]

    def select(self) -> Any:
        joined = super().select().join(Organization, Membership.org_id == Organization.id)
        return joined.options(contains_eager(Membership.org))

    def order(self) -> tuple[SQLColumnExpression[Any], SQLColumnExpression[Any]]:
        """When the caller joined each organization, then the organization's public id."""
        return Membership.created_at, Organization.public_id


class Members(ScopedRepository[Membership]):
    """Memberships of the scope's organization, looked up by the member's public id."""

    model = Membership

    def select(self) -> Any:
        joined = super().select().join(User, Membership.user_id == User.id)
        return joined.options(contains_eager(Membership.user))

    def lookup(self, public_id: uuid.UUID) -> ColumnElement[bool]:
        return User.public_id == public_id

    def find_email(self, email: str) -> Membership | None:
        """The member whose account has this (lower-case) email, or None."""
        with scoped_statements():
            return db.session.scalars(self.select().where(User.email == email)).one_or_none()

    def order(self) -> tuple[SQLColumnExpression[Any], SQLColumnExpression[Any]]:
        """When each member joined, then the member's public id."""
        return Membership.created_at, User.public_id


@blp.route("", methods=["POST"])
@authenticated
@blp.arguments(OrgIn, example={"name": "Acme"})
@blp.response(201, OrgOut)
def create_org(data: dict[str, str], *, scope: Scope) -> Membership:
    """Create an organization; the caller becomes its owner."""
    membership = Membership(org=Organization(name=data["name"]), user=scope.user, role=Role.OWNER)
    db.session.add(membership)
    db.session.commit()
    return membership


@blp.route("", methods=["GET"])
@authenticated
@blp.arguments(PageArgs, location="query")
@blp.response(200, OrgOut(many=True), headers=LINK_HEADER)
@blp.alt_response(400, response="BAD_REQUEST")
def list_orgs(query: PageRequest, *, scope: Scope) -> Listed[Membership]:
    """The organizations the caller belongs to, with its role in each, in the order it joined."""
    return paginate(MyMemberships(scope), query)


@blp.route("/<public_id:org_id>", methods=["GET"])
@org_member
@blp.response(200, OrgOut)
def get_org(*, scope: Scope) -> Membership:
    """One organization the caller belongs to."""
    return Members(scope).get(scope.user.public_id)


@blp.route("/<public_id:org_id>", methods=["PATCH"])
@org_admin
@blp.arguments(OrgIn, example={"name": "Acme Corporation"})
@blp.response(200, OrgOut)
def update_org(data: dict[str, str], *, scope: Scope) -> Membership:
    """Rename an organization (admins and owners)."""
    assert scope.org is not None
    scope.org.name = data["name"]
    db.session.commit()
    return Members(scope).get(scope.user.public_id)


@blp.route("/<public_id:org_id>", methods=["DELETE"])
@org_owner
@blp.response(204)
def delete_org(*, scope: Scope) -> None:
    """Delete an organization and everything in it (owners)."""
    db.session.delete(scope.org)
    db.session.commit()


@blp.route("/<public_id:org_id>/members", methods=["GET"])
@org_member
@blp.arguments(PageArgs, location="query")
@blp.response(200, MemberOut(many=True), headers=LINK_HEADER)
@blp.alt_response(400, response="BAD_REQUEST")
def list_members(query: PageRequest, *, scope: Scope) -> Listed[Membership]:
    """The members of an organization and their roles, in the order they joined."""
    return paginate(Members(scope), query)


@blp.route("/<public_id:org_id>/members/<public_id:user_id>", methods=["GET"])
@org_member
@blp.response(200, MemberOut)
def get_member(user_id: uuid.UUID, *, scope: Scope) -> Membership:
    """One member of the organization."""
    return Members(scope).get(user_id)


@blp.route("/<public_id:org_id>/members/<public_id:user_id>", methods=["PATCH"])
@org_admin
@refuses(403, "Nobody changes their own role or grants a role above their own.")
@blp.arguments(RoleIn, example={"role": "admin"})
@blp.response(200, MemberOut)
def change_role(data: dict[str, str], user_id: uuid.UUID, *, scope: Scope) -> Membership:
    """Change a member's role (admins and owners, never their own)."""
    member = Members(scope).get(user_id)
    role = Role(data["role"])
    check_role_change(scope, member, role)
    member.role = role
    db.session.commit()
    return member


@blp.route("/<public_id:org_id>/members/<public_id:user_id>", methods=["DELETE"])
@org_member
@refuses(403, "Only admins remove others, and never a member whose role is above theirs.")
@refuses(409, "The last owner cannot leave.")
@blp.response(204)
def remove_member(user_id: uuid.UUID, *, scope: Scope) -> None:
    """Remove a member (admins and owners), or leave the organization yourself."""
    member = Members(scope).get(user_id)
    check_role_change(scope, member, None)
    db.session.delete(member)
    db.session.commit()
