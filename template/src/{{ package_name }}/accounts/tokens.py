"""The caller's own API tokens: list them, revoke one. Tokens are scoped rows: another user's
token cannot be told from one that does not exist."""

import uuid

from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import ColumnElement, update

from ..database import utcnow
from ..extensions import db
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
@blp.response(200, TokenListed(many=True))
@blp.paginate()
def list_tokens(pagination_parameters: PaginationParameters, *, scope: Scope) -> list[ApiToken]:
    """The caller's tokens that still work, oldest first."""
    items, total = MyTokens(scope).page(pagination_parameters.page, pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return items


@blp.route("/<public_id:token_id>", methods=["DELETE"])
@authenticated
@blp.response(204)
def revoke_token(token_id: uuid.UUID, *, scope: Scope) -> None:
    """Revoke one of the caller's tokens; it is refused from the next request on."""
    revoke(MyTokens(scope).get(token_id))
    db.session.commit()
