"""The caller's own API tokens: list them, revoke one. Tokens are scoped rows: another user's
token cannot be told from one that does not exist."""

import uuid

from flask_smorest import Blueprint
from sqlalchemy import ColumnElement, update

from ..database import utcnow
from ..extensions import db
from ..pagination import LINK_HEADER, Listed, PageArgs, PageRequest, paginate
from ..security.access import authenticated
from ..security.guard import scoped_statements
from ..security.repository import ScopedRepository
from ..security.scope import Scope
from ..security.tokens import ApiToken, revoke
from .schemas import TokenListed

blp = Blueprint("tokens", __name__, url_prefix="/auth/tokens", description="The caller's tokens")


class MyTokens(ScopedRepository[ApiToken]):
    """The caller's tokens that still work: neither revoked nor expired."""

    model = ApiToken

    def conditions(self) -> list[ColumnElement[bool]]:
        return [
            ApiToken.user_id == self.scope.user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > utcnow(),
        ]

    def revoke_all_but(self, kept: ApiToken) -> None:
        """Revoke every one of these tokens except `kept`."""
        statement = (
            update(ApiToken)
            .where(*self.conditions(), ApiToken.id != kept.id)
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        with scoped_statements():
            db.session.execute(statement)


@blp.route("", methods=["GET"])
@authenticated
@blp.arguments(PageArgs, location="query")
@blp.response(200, TokenListed(many=True), headers=LINK_HEADER)
@blp.alt_response(400, response="BAD_REQUEST")
def list_tokens(query: PageRequest, *, scope: Scope) -> Listed[ApiToken]:
    """The caller's tokens that still work, oldest first."""
    return paginate(MyTokens(scope), query)


@blp.route("/<public_id:token_id>", methods=["DELETE"])
@authenticated
@blp.response(204)
def revoke_token(token_id: uuid.UUID, *, scope: Scope) -> None:
    """Revoke one of the caller's tokens; it is refused from the next request on."""
    revoke(MyTokens(scope).get(token_id))
    db.session.commit()
