"""The `public_id` URL converter: one canonical spelling per object."""

import uuid

from werkzeug.routing import BaseConverter


class PublicIdConverter(BaseConverter):
    """Match only canonical public ids: lowercase, hyphenated, 36 characters.

    Any other spelling (upper case, braces, no hyphens, an integer key, junk) does not
    match a route, so it gets the same 404 as an id that does not exist.
    """

    regex = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    part_isolating = True

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: uuid.UUID | str) -> str:
        return str(uuid.UUID(str(value)))
