"""Request bodies that Python's JSON parser cannot read answer 400, like broken JSON.

The parser refuses some well-formed JSON: an integer of more than 4300 digits (CPython's limit
on converting a string to an int) and arrays or objects nested deeper than the recursion limit.
Neither error is one the argument parser expects, so each would be a 500. Every JSON body of a
POST, PUT or PATCH is therefore read once here, before any view runs.
"""

import json

from flask import request
from werkzeug.exceptions import BadRequest

BODY_METHODS = {"POST", "PUT", "PATCH"}


def reject_unreadable_json() -> None:
    """Answer 400 for a JSON body that cannot be parsed, whatever the reason."""
    if request.method not in BODY_METHODS or not request.is_json:
        return
    body = request.get_data(cache=True)
    if not body:
        return
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        error = BadRequest()
        error.data = {"messages": {"json": ["Invalid JSON body."]}}  # type: ignore[attr-defined]
        raise error from None
