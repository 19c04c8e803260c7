"""Principals for tests and tools: the users and organizations of every attack scenario.

alice and carol are members of acme; bob belongs to globex only; dave belongs to both.
acme also has an admin and an owner. A filter that checks only the org is caught by carol,
one that checks only "is a member of some org" is caught by dave.
"""

import functools
import uuid
from dataclasses import dataclass, field

from flask import Flask

from .accounts.models import Membership, Organization, Role, User
from .accounts.passwords import hash_password
from .extensions import db
from .security.tokens import issue_token

PASSWORD = "correct horse battery staple"

MEMBERSHIPS = {
    "alice": {"acme": Role.MEMBER},
    "carol": {"acme": Role.MEMBER},
    "bob": {"globex": Role.OWNER},
    "dave": {"acme": Role.MEMBER, "globex": Role.MEMBER},
    "acme_admin": {"acme": Role.ADMIN},
    "acme_owner": {"acme": Role.OWNER},
}


@dataclass(frozen=True)
class TestPrincipal:
    name: str
    email: str | None = None
    password: str | None = None
    token: str | None = None
    user_id: uuid.UUID | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass(frozen=True)
class Provisioned:
    principals: dict[str, TestPrincipal]
    orgs: dict[str, uuid.UUID] = field(default_factory=dict)

    def __getitem__(self, name: str) -> TestPrincipal:
        return self.principals[name]

    def __getattr__(self, name: str) -> TestPrincipal:
        try:
            return self.principals[name]
        except KeyError:
            raise AttributeError(name) from None

    def others(self, *names: str) -> list[TestPrincipal]:
        """Every principal except `names`, anonymous included."""
        return [p for n, p in self.principals.items() if n not in names]


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def provision(app: Flask) -> Provisioned:
    """Create the principals with passwords and live tokens; call on an empty database."""
    with app.app_context():
        orgs = {name: Organization(name=name.title()) for name in ("acme", "globex")}
        principals: dict[str, TestPrincipal] = {"anonymous": TestPrincipal("anonymous")}
        for name, roles in MEMBERSHIPS.items():
            user = User(email=f"{name}@example.com", password_hash=_password_hash())
            db.session.add(user)
            for org, role in roles.items():
                db.session.add(Membership(org=orgs[org], user=user, role=role))
            _, token = issue_token(user, app.config["TOKEN_TTL_SECONDS"])
            db.session.flush()
            principals[name] = TestPrincipal(name, user.email, PASSWORD, token, user.public_id)
        db.session.commit()
        return Provisioned(principals, {name: org.public_id for name, org in orgs.items()})
