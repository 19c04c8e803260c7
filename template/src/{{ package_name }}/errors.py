"""One JSON error shape for every status: `{"error": {"status", "code", "message"}}`.

Routing errors (404, 405), validation errors (422, with `details`), oversized or non-JSON
bodies (413, 415, 400) and unexpected failures (500) all answer in this shape, never HTML,
never a stack trace. Every 404 has the same body, whatever its cause. Flask itself logs an
unexpected failure, once, with its traceback; the handler here only answers it.
"""

from http import HTTPStatus
from typing import Any, NoReturn

from flask import Flask, Response, jsonify, request
from marshmallow import Schema, fields
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    UnprocessableEntity,
    UnsupportedMediaType,
)

BODY_METHODS = {"POST", "PUT", "PATCH"}
# Statuses whose message never varies, so their responses cannot tell callers apart.
UNIFORM_MESSAGES = {404: "Not found.", 401: "Authentication required."}


class ErrorDetail(Schema):
    status = fields.Integer(metadata={"example": 404})
    code = fields.String(metadata={"example": "not_found"})
    message = fields.String(metadata={"example": "Not found."})
    details = fields.Dict(metadata={"description": "Validation messages, by location and field"})


class ErrorOut(Schema):
    error = fields.Nested(ErrorDetail)


def error_body(status: int, message: str, details: Any = None) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase
    error: dict[str, Any] = {
        "status": status,
        "code": phrase.lower().replace(" ", "_").replace("-", "_"),
        "message": message,
    }
    if details:
        error["details"] = details
    return {"error": error}


def handle_http_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    if status >= 500:
        message = HTTPStatus(status).phrase + "."
    else:
        message = UNIFORM_MESSAGES.get(status) or exc.description or HTTPStatus(status).phrase
    details = getattr(exc, "data", {}).get("messages") if status == 422 or status == 400 else None
    response = jsonify(error_body(status, message, details))
    if exc.response is None:
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response, status


def handle_unexpected_error(exc: InternalServerError) -> tuple[Response, int]:
    return jsonify(error_body(500, "Internal Server Error.")), 500


def invalid_input(field: str, message: str) -> NoReturn:
    """Answer 422 for one body field, in the shape request validation uses."""
    error = UnprocessableEntity()
    error.data = {"messages": {"json": {field: [message]}}}  # type: ignore[attr-defined]
    raise error


def require_json_body() -> None:
    """A request with a body must send JSON: 415 otherwise, before any view runs."""
    has_body = (request.content_length or 0) > 0
    if request.method in BODY_METHODS and has_body and not request.is_json:
        raise UnsupportedMediaType("Send the body as application/json.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.before_request(require_json_body)
