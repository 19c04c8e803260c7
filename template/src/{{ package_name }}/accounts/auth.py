"""Registration, API tokens and the caller's own account."""

from flask import abort, current_app
from flask_smorest import Blueprint
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..extensions import db, limiter
from ..security.access import authenticated, public
from ..security.audit import security_event
from ..security.principal import current_principal
from ..security.scope import Scope
from ..security.tokens import ApiToken, issue_token, revoke
from .models import User
from .schemas import Credentials, Registration, TokenOut, UserOut
from .service import delete_user

blp = Blueprint("auth", __name__, description="Registration, tokens and the current user")

# Checked when the email is unknown, so that both failures take the same time.
_UNKNOWN_USER_HASH = "scrypt:32768:8:1$unknown-user$" + "0" * 128
CREDENTIALS_EXAMPLE = {"email": "alice@example.com", "password": "correct horse battery"}


def _token_rate_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT"]


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == email.lower())).one_or_none()


@blp.route("/users", methods=["POST"])
@public
@limiter.limit(_token_rate_limit)
@blp.arguments(Registration, example=CREDENTIALS_EXAMPLE)
@blp.response(201, UserOut)
def register(data: dict[str, str]) -> User:
    """Create an account."""
    if find_user_by_email(data["email"]) is not None:
        abort(409, "An account with this email already exists.")
    user = User(email=data["email"].lower())
    user.set_password(data["password"])
    db.session.add(user)
    db.session.commit()
    return user


@blp.route("/auth/tokens", methods=["POST"])
@public
@limiter.limit(_token_rate_limit)
@blp.arguments(Credentials, example=CREDENTIALS_EXAMPLE)
@blp.response(201, TokenOut)
def create_token(data: dict[str, str]) -> dict[str, object]:
    """Exchange an email and password for a bearer token."""
    user = find_user_by_email(data["email"])
    if user is None:
        check_password_hash(_UNKNOWN_USER_HASH, data["password"])
    if user is None or not user.check_password(data["password"]):
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


@blp.route("/me", methods=["DELETE"])
@authenticated
@blp.response(204)
def delete_me(*, scope: Scope) -> None:
    """Delete the caller's account, its tokens and its memberships."""
    delete_user(scope.user)
    db.session.commit()
