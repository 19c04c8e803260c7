"""Registration, API tokens and the caller's own account."""

from flask import abort, current_app
from flask_smorest import Blueprint
from sqlalchemy import select

from ..contract import rate_limited, refuses
from ..errors import invalid_input
from ..extensions import db
from ..security.access import authenticated, public
from ..security.audit import security_event
from ..security.principal import current_principal
from ..security.scope import Scope
from ..security.tokens import ApiToken, issue_token, revoke
from .models import User
from .passwords import password_matches
from .schemas import Credentials, PasswordChange, Registration, TokenOut, UserOut
from .service import delete_user
from .tokens import MyTokens

blp = Blueprint("auth", __name__, description="Registration, tokens and the current user")

CREDENTIALS_EXAMPLE = {"email": "alice@example.com", "password": "correct horse battery"}
PASSWORD_CHANGE_EXAMPLE = {
    "current_password": "correct horse battery",
    "new_password": "a new, longer passphrase",
}


def _token_rate_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT"]


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == email.lower())).one_or_none()


@blp.route("/users", methods=["POST"])
@public
@rate_limited(_token_rate_limit)
@refuses(409, "An account with this email already exists.")
@blp.arguments(Registration, example=CREDENTIALS_EXAMPLE)
@blp.response(201, UserOut)
def register(data: dict[str, str]) -> User:
    """Create an account. A taken email is 409: see the README on what that reveals."""
    if find_user_by_email(data["email"]) is not None:
        abort(409, "An account with this email already exists.")
    user = User(email=data["email"].lower())
    user.set_password(data["password"])
    db.session.add(user)
    db.session.commit()
    return user


@blp.route("/auth/tokens", methods=["POST"])
@public
@rate_limited(_token_rate_limit)
@refuses(401, "An unknown email or a wrong password.")
@blp.arguments(Credentials, example=CREDENTIALS_EXAMPLE)
@blp.response(201, TokenOut)
def create_token(data: dict[str, str]) -> dict[str, object]:
    """Exchange an email and password for a bearer token.

    An unknown email and a wrong password get the same answer after the same work.
    """
    user = find_user_by_email(data["email"])
    matches = password_matches(user.password_hash if user else None, data["password"])
    if user is None or not matches:
        security_event("authentication.failed", reason="invalid credentials")
        abort(401)
    token, plaintext = issue_token(user, current_app.config["TOKEN_TTL_SECONDS"])
    db.session.commit()
    return {"token": plaintext, "public_id": token.public_id, "expires_at": token.expires_at}


@blp.route("/auth/tokens/current", methods=["DELETE"])
@authenticated
@blp.response(204)
def revoke_current_token(*, scope: Scope) -> None:
    """Revoke the token this request was made with."""
    token: ApiToken = current_principal().token
    revoke(token)
    db.session.commit()


@blp.route("/me", methods=["GET"])
@authenticated
@blp.response(200, UserOut)
def me(*, scope: Scope) -> User:
    """The caller's account."""
    return scope.user


@blp.route("/me/password", methods=["PATCH"])
@authenticated
@rate_limited(_token_rate_limit)
@refuses(422, "The current password is wrong.")
@blp.arguments(PasswordChange, example=PASSWORD_CHANGE_EXAMPLE)
@blp.response(204)
def change_password(data: dict[str, str], *, scope: Scope) -> None:
    """Change the caller's password; every other token of the caller is revoked.

    The token this request is made with stays valid.
    """
    if not scope.user.check_password(data["current_password"]):
        security_event("authentication.failed", reason="wrong current password")
        invalid_input("current_password", "Wrong password.")
    scope.user.set_password(data["new_password"])
    MyTokens(scope).revoke_all_but(current_principal().token)
    db.session.commit()


@blp.route("/me", methods=["DELETE"])
@authenticated
@refuses(409, "The caller is the last owner of an organization with other members.")
@blp.response(204)
def delete_me(*, scope: Scope) -> None:
    """Delete the caller's account, its tokens and its memberships."""
    delete_user(scope.user)
    db.session.commit()
