"""Scope: the user, or the user acting in one organization with one role."""

from dataclasses import dataclass

from ..accounts.models import Organization, Role, User


class ScopeRequired(RuntimeError):
    """An ownership helper was called without a scope; there is no unscoped fallback."""


@dataclass(frozen=True)
class Scope:
    user: User
    org: Organization | None = None
    role: Role | None = None

    @property
    def kind(self) -> str:
        return "org" if self.org is not None else "owner"

    def has_role(self, role: Role) -> bool:
        """True when the caller's role in the organization is `role` or above."""
        return self.role is not None and self.role.rank >= role.rank

    def may_manage(self, creator_id: int | None) -> bool:
        """Org objects are changed by their creator or by an admin or owner of the org."""
        return creator_id == self.user.id or self.has_role(Role.ADMIN)


def require_scope(scope: Scope | None) -> Scope:
    if not isinstance(scope, Scope):
        raise ScopeRequired("a Scope is required; build one from the request's policy")
    return scope
