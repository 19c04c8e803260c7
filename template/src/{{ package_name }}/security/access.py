"""Route policies, and the audit that refuses to start an app with an undeclared route.

Every view carries exactly one policy decorator, placed right under `@blp.route`:

- `@public`: anyone, no credentials read;
- `@authenticated`: a valid bearer token; the view receives `scope` (the user);
- `@org_member`, `@org_admin`, `@org_owner`: the caller's membership in the organization
  named by the URL's `org_id`, read from the database on every request; the view receives
  `scope` (the user in that organization). A non-member gets the uniform 404, a member
  without the role gets 403 (it can already see the organization).

The policy is also written into the OpenAPI operation as `security` and `x-scope`.
"""

import functools
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Flask, abort, request
from flask_smorest import Blueprint

from ..accounts.models import Role
from .audit import security_event
from .principal import Principal, authenticate
from .repository import forbidden, not_found
from .scope import Scope

F = TypeVar("F", bound=Callable[..., Any])

BEARER = [{"bearerAuth": []}]
IGNORED_METHODS = {"HEAD", "OPTIONS"}


class RouteAuditError(RuntimeError):
    """Routes exist without a declared access policy."""


# Writes the policies' error responses into operations; never registered on an app.
_responses = Blueprint("access-responses", __name__)


def _declare(
    view: Callable[..., Any], policy: str, x_scope: str, security: list[Any], statuses: list[int]
) -> Any:
    for status in statuses:
        view = _responses.alt_response(status, response=HTTPStatus(status).name)(view)
    documented = Blueprint.doc(security=security, **{"x-scope": x_scope})(view)
    documented.access_policy = policy
    return documented


def require_principal() -> Principal:
    """The authenticated principal, or 401 before any object is looked up."""
    principal, reason = authenticate()
    if principal is None:
        security_event("authentication.failed", reason=reason)
        abort(401)
    return principal


def public(view: F) -> F:
    """Anyone may call this route; no credentials are read."""
    return _declare(view, "public", "public", [], [])


def authenticated(view: F) -> F:
    """Any authenticated user; the view acts in the user's own scope."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        principal = require_principal()
        return view(*args, scope=Scope(user=principal.user), **kwargs)

    return _declare(wrapper, "authenticated", "owner", BEARER, [401])


def _org_policy(role: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, org_id: Any, **kwargs: Any) -> Any:
            principal = require_principal()
            membership = principal.membership_in(org_id)
            if membership is None:
                not_found(org_id)
            if membership.role.rank < role.rank:
                forbidden(org_id, f"requires the {role} role in this organization")
            scope = Scope(user=principal.user, org=membership.org, role=membership.role)
            return view(*args, scope=scope, **kwargs)

        statuses = [401, 404] if role is Role.MEMBER else [401, 403, 404]
        return _declare(wrapper, f"org_{role}", "org", BEARER, statuses)

    return decorator


org_member = _org_policy(Role.MEMBER)
org_admin = _org_policy(Role.ADMIN)
org_owner = _org_policy(Role.OWNER)


def policy_of(view: Callable[..., Any], method: str) -> str | None:
    """The policy a view declares for `method`, or None."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, method.lower(), None)
    return getattr(view, "access_policy", None)


def undeclared_routes(app: Flask) -> list[str]:
    """Every `endpoint (METHOD /rule)` of the app that declares no policy."""
    missing = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            if policy_of(view, method) is None:
                missing.append(f"{rule.endpoint} ({method} {rule.rule})")
    return missing


def audit_routes(app: Flask) -> None:
    """Refuse to start while any route lacks a policy: deny by default."""
    missing = undeclared_routes(app)
    if missing:
        raise RouteAuditError(
            "routes without an access policy: "
            + ", ".join(missing)
            + "; decorate each view with @public, @authenticated or an org policy"
            " from security.access"
        )


def declare_public_endpoints(app: Flask, *endpoints: str) -> None:
    """Mark framework endpoints (the OpenAPI document and its viewer) as public."""
    for endpoint in endpoints:
        app.view_functions[endpoint] = public(app.view_functions[endpoint])


def enforce_declared_policy(app: Flask) -> None:
    """At request time too: a route added after start-up without a policy answers 404."""

    @app.before_request
    def _deny_undeclared() -> None:
        if request.url_rule is None or request.method in IGNORED_METHODS:
            return
        view = app.view_functions[request.url_rule.endpoint]
        if policy_of(view, request.method) is None:
            security_event("access.undeclared_route", reason=request.url_rule.endpoint)
            abort(404)
