"""Keyset pagination for every list: `?limit=` and an opaque `?cursor=`, the next page in `Link`.

A list is read in creation order (created_at, then the public id that breaks ties) from just
after a position: a page costs what its rows cost, however large the table and however deep the
page, and rows inserted or deleted between two requests never shift the rows that stayed.

A cursor is that position, signed with SECRET_KEY for the one list route that issued it. It is a
position, never a permission: the repository applies the caller's scope again on every page, so
a cursor replayed by someone else, or under another organization's URL, reaches only what that
caller may list. It holds the creation time and public id of the last item of its page: the
caller's own data, and no internal key. A cursor that was tampered with, truncated, malformed or
issued by another list is answered 400.

A list view takes `PageArgs` from the query and returns `paginate(repository, query)`; any object
with the `page(limit, after)` method of `ScopedRepository` can be listed this way.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, NoReturn, Protocol, TypeAlias, TypeVar

from flask import Flask, current_app, request, url_for
from flask_smorest import Api
from itsdangerous import BadData, URLSafeSerializer
from marshmallow import Schema, ValidationError, fields, post_load, validates_schema
from werkzeug.exceptions import BadRequest

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
# What a list view returns: the page's items, and its headers (the `Link`, when a page follows).
Listed: TypeAlias = tuple[Sequence[T], dict[str, str]]

DEFAULT_LIMIT = 20
LINK_HEADER = {
    "Link": {
        "description": 'The next page, as `<URL>; rel="next"` (RFC 8288); absent on the last page.',
        "schema": {"type": "string"},
        "example": '</notes?limit=20&cursor=.eJwFwcERgDAIBMBe...>; rel="next"',
    }
}
BAD_CURSOR = "Invalid cursor: follow the Link of the previous page, or leave the cursor out."


@dataclass(frozen=True)
class Position:
    """A place in a list: just after the item created at `created_at` with `public_id`."""

    created_at: datetime
    public_id: uuid.UUID


@dataclass(frozen=True)
class Page(Generic[T_co]):
    """The items of one page, and where the next page starts (None on the last page)."""

    items: Sequence[T_co]
    next: Position | None


class Pageable(Protocol[T_co]):
    """What `paginate` lists: a `ScopedRepository`, or anything that pages the same way."""

    def page(self, limit: int, after: Position | None = None) -> Page[T_co]: ...


@dataclass(frozen=True)
class PageRequest:
    """What a list request asks for: at most `limit` items, after the `cursor`'s position."""

    limit: int
    cursor: str | None = None


def max_limit() -> int:
    """The page-size cap of the app serving the request (config MAX_PAGE_SIZE)."""
    return int(current_app.config["MAX_PAGE_SIZE"])


class Limit(fields.Integer):
    """A page size from 1 to the app's MAX_PAGE_SIZE; its OpenAPI bounds come from `init_app`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        number: int = super()._deserialize(value, attr, data, **kwargs)
        cap = max_limit()
        if not 1 <= number <= cap:
            raise ValidationError(f"Must be from 1 to {cap}, the largest page.")
        return number


class PageArgs(Schema):
    """The query of every list. Other parameters (`page`, `page_size`...) are refused."""

    limit = Limit(metadata={"description": "How many items to return, at most."})
    cursor = fields.String(
        metadata={"description": "Where to continue: copied from the previous page's Link."}
    )

    @validates_schema(pass_original=True)
    def refuse_unknown(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        unknown = sorted(set(original) - set(self.fields))
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})

    @post_load
    def to_request(self, data: dict[str, Any], **kwargs: Any) -> PageRequest:
        limit = data.get("limit", min(DEFAULT_LIMIT, max_limit()))
        return PageRequest(limit=limit, cursor=data.get("cursor"))


def _serializer() -> URLSafeSerializer:
    """Cursors are signed for the route that issues them: one list's cursor fails on another."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"cursor {request.endpoint}")


def encode_cursor(position: Position) -> str:
    return _serializer().dumps([position.created_at.isoformat(), str(position.public_id)])


def decode_cursor(cursor: str) -> Position:
    """The position a cursor of this list names, or 400 for anything else."""
    try:
        created_at, public_id = _serializer().loads(cursor)
        position = Position(datetime.fromisoformat(created_at), uuid.UUID(public_id))
    except (BadData, TypeError, ValueError):
        bad_cursor()
    if position.created_at.tzinfo is None:
        bad_cursor()
    return position


def bad_cursor() -> NoReturn:
    """Answer 400 naming the `cursor` parameter, in the shape validation errors have."""
    error = BadRequest(BAD_CURSOR)
    error.data = {"messages": {"query": {"cursor": [BAD_CURSOR]}}}  # type: ignore[attr-defined]
    raise error


def next_link(query: PageRequest, position: Position) -> str:
    """The `Link` header value of the page after `position`, with the same limit."""
    url = url_for(
        request.endpoint or "",
        **(request.view_args or {}),
        limit=query.limit,
        cursor=encode_cursor(position),
    )
    return f'<{url}>; rel="next"'


def paginate(repository: Pageable[T], query: PageRequest) -> Listed[T]:
    """One page of `repository`'s items for this request, and the `Link` to the next one."""
    after = decode_cursor(query.cursor) if query.cursor is not None else None
    page = repository.page(query.limit, after)
    headers = {"Link": next_link(query, page.next)} if page.next is not None else {}
    return page.items, headers


def init_app(app: Flask, api: Api) -> None:
    """Declare `limit`'s default and bounds, from the app's MAX_PAGE_SIZE, in its OpenAPI.

    Call it after `api.init_app(app)` and before registering blueprints.
    """
    cap = int(app.config["MAX_PAGE_SIZE"])
    bounds = {"minimum": 1, "maximum": cap, "default": min(DEFAULT_LIMIT, cap)}

    def limit_bounds(converter: Any, field: fields.Field[Any], **kwargs: Any) -> dict[str, int]:
        return bounds if isinstance(field, Limit) else {}

    api.ma_plugin.converter.add_attribute_function(limit_bounds)
