"""Request and response bodies of the account routes. Unknown fields are rejected.

Every string is read by a field of `validation.py`, passwords by those of `passwords.py`.
"""

from typing import Any

from marshmallow import Schema, fields, validate

from ..validation import EmailAddress, SingleLine, bounded_str
from .models import Role
from .passwords import given_password, new_password

ROLE = validate.OneOf([role.value for role in Role])
EMAIL_MAX_LENGTH = 254  # the users.email column
ORG_NAME_MAX_LENGTH = 100  # the organizations.name column


class AccountEmail(EmailAddress):
    """An email address in lower case, as accounts store and compare it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        # Lower case can be longer ("İ" becomes two characters): the length is checked after.
        return super()._deserialize(value, attr, data, **kwargs).lower()


def email_address(**kwargs: object) -> fields.Email:
    """An email address as accounts store it: one line in lower case, at most EMAIL_MAX_LENGTH
    characters."""
    return AccountEmail(required=True, validate=validate.Length(max=EMAIL_MAX_LENGTH), **kwargs)


class Credentials(Schema):
    email = email_address()
    password = given_password(required=True)


class Registration(Schema):
    email = email_address()
    password = new_password(required=True)


class PasswordChange(Schema):
    current_password = given_password(required=True)
    new_password = new_password(required=True)


class TokenOut(Schema):
    token = fields.String(metadata={"description": "Shown once; send it as a bearer token."})
    token_id = fields.UUID(attribute="public_id")
    expires_at = fields.AwareDateTime()


class TokenListed(Schema):
    """One of the caller's tokens: when it was made and when it expires, never its secret."""

    id = fields.UUID(attribute="public_id")
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()


class UserOut(Schema):
    id = fields.UUID(attribute="public_id")
    email = fields.Email()
    created_at = fields.AwareDateTime()


class OrgIn(Schema):
    name = bounded_str(1, ORG_NAME_MAX_LENGTH, required=True)


class OrgOut(Schema):
    id = fields.UUID(attribute="org.public_id")
    name = fields.String(attribute="org.name")
    role = fields.String(attribute="role.value")
    created_at = fields.AwareDateTime(attribute="org.created_at")


class InvitationIn(Schema):
    email = email_address()
    role = SingleLine(load_default=Role.MEMBER.value, validate=ROLE)


class InvitationOut(Schema):
    """An invitation as its organization's admins see it."""

    id = fields.UUID(attribute="public_id")
    email = fields.Email()
    role = fields.String(attribute="role.value")
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()


class MyInvitationOut(Schema):
    """An invitation as its invitee sees it: which organization, and as what."""

    id = fields.UUID(attribute="public_id")
    org_id = fields.UUID(attribute="org.public_id")
    org_name = fields.String(attribute="org.name")
    role = fields.String(attribute="role.value")
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()


class RoleIn(Schema):
    role = SingleLine(required=True, validate=ROLE)


class MemberOut(Schema):
    id = fields.UUID(attribute="user.public_id")
    email = fields.Email(attribute="user.email")
    role = fields.String(attribute="role.value")
    joined_at = fields.AwareDateTime(attribute="created_at")
