"""The mutants of `scopecraft verify`: each one breaks one security property of a project.

Operators find their targets by what the code does (the comparison with `self.scope.user.id` in a
repository's `conditions`, the `abort(404)` in `not_found`, the policy decorator on a view),
never by line numbers. An operator that finds nothing to mutate says so with a `MissingTarget`.
The operators live in one module per layer: `queries` (the scoped query), `responses` (what
callers are told), `policies` (function-level authorization), `pages` (lists: the page-size
cap, the scope of every page, cursors that are positions only), `accounts` (tokens, passwords
and sign-in), `invitations` (who joins an organization, and when) and `database` (row-level
security, noticed only by a suite that runs on PostgreSQL).
"""

from collections.abc import Iterable

from generator._mutants._source import (
    MissingTarget,
    Mutant,
    Operator,
    ProjectSource,
    Splice,
)
from generator._mutants.accounts import (
    foreign_tokens,
    password_change_without_current,
    skip_dummy_hash,
    tokens_survive_password_change,
)
from generator._mutants.database import (
    bypass_row_security,
    drop_row_policy,
    drop_with_check,
    session_identity,
)
from generator._mutants.invitations import (
    accept_without_email,
    membership_at_invitation,
    revoke_without_org_scope,
)
from generator._mutants.pages import scope_in_cursor, uncapped_limit, unscoped_next_page
from generator._mutants.policies import (
    cached_membership,
    drop_policy,
    drop_security_event,
    skip_authorization_check,
)
from generator._mutants.queries import repository_conditions, scope_conditions, unscoped_find
from generator._mutants.responses import (
    forbidden_not_404,
    owner_from_body,
    upper_case_ids,
    wide_response,
)

__all__ = [
    "OPERATORS",
    "MissingTarget",
    "Mutant",
    "Operator",
    "ProjectSource",
    "Splice",
    "accept_without_email",
    "bypass_row_security",
    "cached_membership",
    "check_mutant",
    "drop_policy",
    "drop_row_policy",
    "drop_security_event",
    "drop_with_check",
    "find_mutants",
    "forbidden_not_404",
    "foreign_tokens",
    "membership_at_invitation",
    "owner_from_body",
    "password_change_without_current",
    "repository_conditions",
    "revoke_without_org_scope",
    "scope_conditions",
    "scope_in_cursor",
    "session_identity",
    "skip_authorization_check",
    "skip_dummy_hash",
    "tokens_survive_password_change",
    "uncapped_limit",
    "unscoped_find",
    "unscoped_next_page",
    "upper_case_ids",
    "wide_response",
]

OPERATORS: tuple[Operator, ...] = (
    scope_conditions,
    repository_conditions,
    unscoped_find,
    unscoped_next_page,
    scope_in_cursor,
    forbidden_not_404,
    owner_from_body,
    drop_policy,
    cached_membership,
    uncapped_limit,
    wide_response,
    drop_security_event,
    skip_authorization_check,
    upper_case_ids,
    foreign_tokens,
    tokens_survive_password_change,
    password_change_without_current,
    skip_dummy_hash,
    accept_without_email,
    membership_at_invitation,
    revoke_without_org_scope,
    drop_row_policy,
    session_identity,
    bypass_row_security,
    drop_with_check,
)


def find_mutants(
    source: ProjectSource, operators: Iterable[Operator] = OPERATORS
) -> tuple[list[Mutant], list[MissingTarget]]:
    """Every mutant of the project, and what the operators looked for and did not find."""
    mutants: list[Mutant] = []
    missing = [MissingTarget("parse", f"{path} cannot be parsed") for path in source.unreadable]
    for operator in operators:
        for found in operator(source):
            (mutants if isinstance(found, Mutant) else missing).append(found)  # type: ignore[arg-type]
    return mutants, missing


def check_mutant(source: ProjectSource, candidate: Mutant) -> str | None:
    """Why the mutated files do not compile, or None: a mutant must break tests, not Python."""
    sources = {m.path: m.text for m in source.modules}
    for path, text in candidate.apply(sources).items():
        if text == sources[path]:
            return f"{path} is unchanged"
        try:
            compile(text, path, "exec")
        except SyntaxError as exc:
            return f"{path}:{exc.lineno}: {exc.msg}"
    return None
