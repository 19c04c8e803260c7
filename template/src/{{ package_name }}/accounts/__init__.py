"""Users, organizations, memberships, invitations and API tokens."""

from flask_smorest import Blueprint

from . import auth, invitations, orgs, tokens

BLUEPRINTS: list[Blueprint] = [auth.blp, tokens.blp, orgs.blp, invitations.blp]
