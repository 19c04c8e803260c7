"""Users, organizations, memberships and API tokens."""

from flask_smorest import Blueprint

from . import auth, orgs, tokens

BLUEPRINTS: list[Blueprint] = [auth.blp, tokens.blp, orgs.blp]
