"""Users, organizations, memberships and API tokens."""

from flask_smorest import Blueprint

from . import auth, orgs

BLUEPRINTS: list[Blueprint] = [auth.blp, orgs.blp]
