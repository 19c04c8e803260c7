"""The OpenAPI document tells the whole truth: every status and header an operation can answer.

Clients and fuzzers trust the document, so each operation lists exactly what it may answer,
and no catch-all `default` response hides the rest. The statuses come from what the views are:

- the policy of the view (`security.access`): 401, and 403 and 404 for organization policies;
- a path parameter: 404 (an id that is malformed, missing or in someone else's scope);
- a request body: 400 (unreadable JSON), 413 (too large), 415 (not JSON) and 422 (invalid);
- a rate limit (`@rate_limited`): 429, and the rate-limit headers on every answer;
- the database: 503 with `Retry-After`, on every operation but those marked `@no_database`;
- a business rule (`@refuses(status, why)`): 403, 409 or 422 for valid input in a given state.

Every response carries `X-Request-Id`. Operations that create an object (201) get OpenAPI
`links` to every operation whose path continues with the new id, so that clients and fuzzers
can chain them. `ContractPlugin` writes all of this as the routes are registered.
"""

import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar, cast

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import Rule

from .errors import ErrorOut
from .extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

BODY_STATUSES = (400, 413, 415, 422)
PATH_PARAMETER = re.compile(r"\{(\w+)\}")

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {
        "description": "This request's id, as in the logs: the caller's own when it is safe.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
        "required": True,
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": "The authentication scheme to use: `Bearer`.",
        "schema": {"type": "string"},
        "required": True,
    },
    "X-RateLimit-Limit": {
        "description": "Requests allowed in the current window.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in the current window.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Reset": {
        "description": "When the current window ends, in seconds since the Unix epoch.",
        "schema": {"type": "integer", "minimum": 0},
    },
}
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
LOCATION_HEADER = {
    "Location": {
        "description": "The URL of the new object.",
        "schema": {"type": "string"},
        "required": True,
    }
}


def rate_limited(limit: str | Callable[[], str]) -> Callable[[F], F]:
    """`limiter.limit(limit)`, documented: 429 and the rate-limit headers on every answer."""

    def decorator(view: F) -> F:
        limited = cast(F, limiter.limit(limit)(view))
        limited.rate_limited = True  # type: ignore[attr-defined]
        return limited

    return decorator


def no_database(view: F) -> F:
    """Mark a view that never reads the database, so it never answers 503."""
    view.uses_database = False  # type: ignore[attr-defined]
    return view


def refuses(status: int, why: str) -> Callable[[F], F]:
    """Document a status a business rule answers to valid input, with the reason."""

    def decorator(view: F) -> F:
        refusals = dict(getattr(view, "refusals", {}))
        refusals[status] = [*refusals.get(status, []), why]
        view.refusals = refusals  # type: ignore[attr-defined]
        return view

    return decorator


class ContractPlugin(BasePlugin):
    """Completes each operation's responses and, once every route is known, its links."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.operations: list[tuple[str, str, dict[str, Any]]] = []
        self.spec: APISpec | None = None

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec
        for name, header in HEADERS.items():
            spec.components.header(name, header)

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        rule: Rule | None = None,
        **kwargs: Any,
    ) -> None:
        assert path is not None and operations is not None and rule is not None
        view = self.app.view_functions[rule.endpoint]
        for method, operation in operations.items():
            operation["operationId"] = rule.endpoint.replace(".", "_")
            self._complete(path, operation, view)
            self.operations.append((path, method, operation))

    def _complete(self, path: str, operation: dict[str, Any], view: Any) -> None:
        responses = {str(status): value for status, value in operation["responses"].items()}
        operation["responses"] = responses
        responses.pop("default", None)
        statuses = {int(status) for status in responses}
        refusals: dict[int, list[str]] = getattr(view, "refusals", {})
        statuses |= set(refusals)
        if PATH_PARAMETER.search(path):
            statuses.add(404)
        if "requestBody" in operation:
            statuses.update(BODY_STATUSES)
        limited = getattr(view, "rate_limited", False)
        if limited:
            statuses.add(429)
        if getattr(view, "uses_database", True):
            statuses.add(503)
        for status in sorted(statuses):
            response = responses.get(str(status))
            if status < 400:
                assert isinstance(response, dict)
                headers = response.setdefault("headers", {})
            else:
                response = self._error(status, refusals.get(status, []), response)
                responses[str(status)] = response
                headers = response["headers"]
            headers["X-Request-Id"] = "X-Request-Id"
            if status == 401:
                headers["WWW-Authenticate"] = "WWW-Authenticate"
            if limited:
                headers.update({name: name for name in (*RATE_LIMIT_HEADERS, "Retry-After")})
            if status in (429, 503):
                headers["Retry-After"] = {**HEADERS["Retry-After"], "required": True}

    def _error(self, status: int, reasons: list[str], declared: Any) -> dict[str, Any]:
        """An error response in the shape of `errors.ErrorOut`, keeping a declared description."""
        description = HTTPStatus(status).phrase
        if isinstance(declared, dict) and declared.get("description"):
            description = declared["description"]
        response: dict[str, Any] = {
            "description": f"{description}: {' '.join(reasons)}" if reasons else description,
            "content": {"application/json": {"schema": ErrorOut}},
            "headers": {},
        }
        if reasons:
            response["x-business-rule"] = True
        assert self.spec is not None
        for plugin in self.spec.plugins:
            if isinstance(plugin, MarshmallowPlugin) and plugin.resolver is not None:
                plugin.resolver.resolve_response(response)  # type: ignore[no-untyped-call]
        return response

    def link_creates(self) -> None:
        """Link each create (201) to the operations that take the id it returns.

        A create at `/things` (or `/orgs/{org_id}/things`) returns the new object, whose id the
        operations under `/things/{thing_id}` take; the other path parameters are those of the
        create's own request.
        """
        assert self.spec is not None
        schemas = self.spec.components.schemas
        for path, method, operation in self.operations:
            created = operation["responses"].get("201") if method == "post" else None
            if created is None:
                continue
            known = set(PATH_PARAMETER.findall(path))
            links = {}
            for target_path, target_method, target in self.operations:
                if not target_path.startswith(path + "/"):
                    continue
                new_id = PATH_PARAMETER.fullmatch(target_path[len(path) + 1 :].split("/")[0])
                field = _id_field(created, schemas, new_id.group(1)) if new_id else None
                names = PATH_PARAMETER.findall(target_path)
                if new_id is None or field is None or set(names) - known - {new_id.group(1)}:
                    continue
                created_id = f"$response.body#/{field}"
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": {
                        name: f"$request.path.{name}" if name in known else created_id
                        for name in names
                    },
                    "description": f"{target_method.upper()} {target_path} with the new id.",
                }
            if links:
                created["links"] = links


def _id_field(response: dict[str, Any], schemas: dict[str, Any], parameter: str) -> str | None:
    """The property of a created object's body that holds its id: `parameter`, else `id`."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    reference = schema.get("$ref", "") if isinstance(schema, dict) else ""
    properties = schemas.get(reference.rsplit("/", 1)[-1], {}).get("properties", {})
    for name in (parameter, "id"):
        if properties.get(name, {}).get("format") == "uuid":
            return name
    return None
