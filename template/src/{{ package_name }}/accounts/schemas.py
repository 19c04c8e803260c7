"""Request and response bodies of the account routes. Unknown fields are rejected."""

from marshmallow import Schema, fields, validate

from .models import Role

EMAIL = {"required": True, "validate": validate.Length(max=254)}
ROLE = validate.OneOf([role.value for role in Role])


class Credentials(Schema):
    email = fields.Email(**EMAIL)
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 256))


class Registration(Schema):
    email = fields.Email(**EMAIL)
    password = fields.String(required=True, load_only=True, validate=validate.Length(10, 256))


class TokenOut(Schema):
    token = fields.String(metadata={"description": "Shown once; send it as a bearer token."})
    token_id = fields.UUID(attribute="public_id")
    expires_at = fields.AwareDateTime()


class UserOut(Schema):
    id = fields.UUID(attribute="public_id")
    email = fields.Email()
    created_at = fields.AwareDateTime()


class OrgIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100))


class OrgOut(Schema):
    id = fields.UUID(attribute="org.public_id")
    name = fields.String(attribute="org.name")
    role = fields.String(attribute="role.value")
    created_at = fields.AwareDateTime(attribute="org.created_at")


class MemberIn(Schema):
    email = fields.Email(**EMAIL)
    role = fields.String(load_default=Role.MEMBER.value, validate=ROLE)


class RoleIn(Schema):
    role = fields.String(required=True, validate=ROLE)


class MemberOut(Schema):
    id = fields.UUID(attribute="user.public_id")
    email = fields.Email(attribute="user.email")
    role = fields.String(attribute="role.value")
    joined_at = fields.AwareDateTime(attribute="created_at")
