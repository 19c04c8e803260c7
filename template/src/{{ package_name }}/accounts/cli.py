"""`flask accounts ...`: create users and organizations and add members from a shell.

`add-member` is an operator's tool: it makes a member without an invitation, so it takes
shell access to the deployment, never an API call.
"""

from typing import Any

import click
from flask.cli import AppGroup
from marshmallow import Schema, ValidationError
from sqlalchemy import delete, select

from ..extensions import db
from ..security.guard import scoped_statements
from .models import Invitation, Membership, Organization, Role, User
from .schemas import OrgIn, Registration

accounts_cli = AppGroup("accounts", help="Manage users, organizations and memberships.")


def _valid(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """`data` read by the API's own schema, so that a command applies the API's rules."""
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = error.normalized_messages()
        problems = [f"{field}: {' '.join(map(str, text))}" for field, text in messages.items()]
        raise click.ClickException("; ".join(problems)) from None


def _user(email: str) -> User:
    user = db.session.scalars(select(User).where(User.email == email.lower())).one_or_none()
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


@accounts_cli.command("create-user")
@click.argument("email")
@click.password_option()
def create_user(email: str, password: str) -> None:
    """Create a user; the password is prompted for and follows the API's policy.

    Example: flask accounts create-user alice@example.com
    """
    data = _valid(Registration(), {"email": email, "password": password})
    if db.session.scalars(select(User).where(User.email == email.lower())).first():
        raise click.ClickException(f"a user with email {email} already exists")
    user = User(email=data["email"].lower())
    user.set_password(data["password"])
    db.session.add(user)
    db.session.commit()
    click.echo(f"created user {user.public_id}")


@accounts_cli.command("create-org")
@click.argument("name")
@click.option("--owner", "owner_email", required=True, help="Email of the owning user.")
def create_org(name: str, owner_email: str) -> None:
    """Create an organization owned by a user.

    Example: flask accounts create-org Acme --owner alice@example.com
    """
    org = Organization(name=_valid(OrgIn(), {"name": name})["name"])
    db.session.add(Membership(org=org, user=_user(owner_email), role=Role.OWNER))
    db.session.commit()
    click.echo(f"created organization {org.public_id}")


@accounts_cli.command("add-member")
@click.argument("org_id", type=click.UUID)
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value)
def add_member(org_id: object, email: str, role: str) -> None:
    """Add a user to an organization without an invitation; a pending one is withdrawn.

    Example: flask accounts add-member <org-id> carol@example.com --role admin
    """
    with scoped_statements():
        org = db.session.scalars(
            select(Organization).where(Organization.public_id == org_id)
        ).one_or_none()
    if org is None:
        raise click.ClickException(f"no organization {org_id}")
    user = _user(email)
    with scoped_statements():
        taken = db.session.scalars(
            select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id)
        ).first()
    if taken is not None:
        raise click.ClickException(f"{email} is already a member of {org.name}")
    db.session.add(Membership(org=org, user=user, role=Role(role)))
    with scoped_statements():
        db.session.execute(
            delete(Invitation).where(Invitation.org_id == org.id, Invitation.email == user.email)
        )
    db.session.commit()
    click.echo(f"added {email} to {org.name} as {role}")
