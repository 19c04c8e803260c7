"""ScopedRepository: the only way views reach owned rows.

Every statement is built from the caller's scope: the id, the owner or organization and,
for a child, the parent all stand in one WHERE clause. A row outside the scope is never
fetched, so "someone else's" and "does not exist" cannot be told apart.
"""

import uuid
from typing import Any, ClassVar, Generic, NoReturn, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, or_, select

from ..errors import invalid_input
from ..extensions import db
from ..pagination import Page, Position
from .audit import security_event
from .guard import scoped_statements
from .owned import OwnedByOrg
from .scope import Scope, require_scope

M = TypeVar("M", bound=Any)


def not_found(object_id: uuid.UUID | None = None) -> NoReturn:
    """Answer the uniform 404 and record the denial."""
    security_event("access.not_found", object_id=object_id)
    abort(404)


def forbidden(object_id: uuid.UUID | None, reason: str) -> NoReturn:
    """Answer 403 for an object the caller can see but may not change."""
    security_event("access.forbidden", object_id=object_id, reason=reason)
    abort(403, reason)


class ScopedRepository(Generic[M]):
    """Queries on one scoped model, always restricted to a scope (and a parent, if any)."""

    model: ClassVar[type]
    scope_kind: ClassVar[str | None] = None  # the model's own `__scope__` unless set
    parent_key: ClassVar[str | None] = None

    def __init__(self, scope: Scope, parent: Any | None = None) -> None:
        self.scope = require_scope(scope)
        kind = self.scope_kind or self.model.__scope__
        if kind != self.scope.kind:
            raise TypeError(f"{type(self).__name__} needs an {kind} scope, not {self.scope.kind}")
        if (parent is None) != (self.parent_key is None):
            raise TypeError(f"{type(self).__name__} needs exactly its parent, no more, no less")
        self.parent = parent

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE clause every statement of this repository carries."""
        model = self.model
        if self.scope.org is not None:
            conditions = [model.org_id == self.scope.org.id]
        else:
            conditions = [model.owner_id == self.scope.user.id]
        if self.parent_key is not None:
            conditions.append(getattr(model, self.parent_key) == self.parent.id)
        return conditions

    def lookup(self, public_id: uuid.UUID) -> ColumnElement[bool]:
        return self.model.public_id == public_id

    def select(self) -> Select[tuple[M]]:
        return select(self.model).where(*self.conditions())

    def find(self, public_id: uuid.UUID) -> M | None:
        """The object with this public id in the scope, or None."""
        with scoped_statements():
            return db.session.scalars(self.select().where(self.lookup(public_id))).one_or_none()

    def get(self, public_id: uuid.UUID) -> M:
        """The object with this public id in the scope, or the uniform 404."""
        found = self.find(public_id)
        if found is None:
            not_found(public_id)
        return found

    def order(self) -> tuple[SQLColumnExpression[Any], SQLColumnExpression[Any]]:
        """The list order: creation time, then the public id that breaks ties."""
        return self.model.created_at, self.model.public_id

    def page(self, limit: int, after: Position | None = None) -> Page[M]:
        """Up to `limit` objects of the scope in list order, from just after `after`.

        `after` is a place in the order, never a permission: the statement carries the scope's
        conditions like every other, so a position taken from anyone's list reaches only this
        scope's rows. One row more than the page is read to tell whether another page follows.
        """
        created_at, public_id = self.order()
        query = self.select().add_columns(created_at, public_id)
        if after is not None:
            query = query.where(
                created_at >= after.created_at,
                or_(created_at > after.created_at, public_id > after.public_id),
            )
        query = query.order_by(created_at, public_id).limit(limit + 1)
        with scoped_statements():
            rows = db.session.execute(query).all()
        shown = rows[:limit]
        following = Position(*shown[-1][1:]) if len(rows) > limit else None
        return Page([row[0] for row in shown], following)

    def add(self, obj: M) -> M:
        """Attach a new object to the scope (and parent); ownership never comes from input."""
        if self.scope.org is not None:
            obj.org_id = self.scope.org.id
            if isinstance(obj, OwnedByOrg):
                obj.creator_id = self.scope.user.id
        else:
            obj.owner_id = self.scope.user.id
        if self.parent_key is not None:
            setattr(obj, self.parent_key, self.parent.id)
        db.session.add(obj)
        with scoped_statements():
            db.session.flush()
        return obj

    def resolve_reference(self, data: dict[str, Any], field: str) -> None:
        """Replace `data[field]`, a public id, with the object it names in this scope.

        A reference to someone else's object fails exactly like one to a missing object.
        """
        public_id = data.get(field)
        if public_id is None:
            return
        found = self.find(public_id)
        if found is None:
            security_event("access.reference_not_found", object_id=public_id, reason=field)
            invalid_input(field, "No such object.")
        data[field] = found

    def require_manage(self, obj: M) -> None:
        """In an organization, only the creator or an admin may change or delete an object."""
        if self.scope.org is not None and not self.scope.may_manage(obj.creator_id):
            forbidden(obj.public_id, "only the creator or an admin may change this object")

    def delete(self, obj: M) -> None:
        self.require_manage(obj)
        with scoped_statements():
            db.session.delete(obj)
            db.session.flush()
