"""Mutants of function-level authorization: a view without its policy, a membership
cached across requests, a check that never denies, a denial that is not logged."""

import ast
from collections.abc import Iterator

from generator._mutants._source import (
    MissingTarget,
    Mutant,
    ProjectSource,
    Splice,
    mutant,
    name_of,
    own_nodes,
)


def drop_policy(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Remove one endpoint's policy decorator, or the call that makes the docs public."""
    policies = source.policies()
    found = False
    for module, function, qualname in source.functions():
        for decorator in function.decorator_list:
            if not isinstance(decorator, ast.Name) or decorator.id not in policies:
                continue
            found = True
            start = module.line_start(decorator.lineno)
            end = module.line_start(decorator.end_lineno + 1)  # type: ignore[operator]
            yield mutant(
                module,
                decorator,
                "drop-policy",
                qualname,
                f"{qualname} loses its @{decorator.id}",
                Splice(module.path, start, end, ""),
            )
    for module, function, qualname in source.functions():
        for node in own_nodes(function):
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and name_of(node.value.func) == "declare_public_endpoints"
            ):
                yield mutant(
                    module,
                    node,
                    "drop-policy",
                    f"{qualname}:declare_public_endpoints",
                    f"{qualname} no longer declares the documentation endpoints public",
                    module.replace(node, "pass"),
                )
    if not found:
        yield MissingTarget("drop-policy", f"no view carries a policy ({', '.join(policies)})")


def cached_membership(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """`membership_in` remembers a (user, org) membership across requests: revoking it is
    not seen until the process restarts."""
    for module, function, qualname in source.functions():
        if function.name != "membership_in" or "." not in qualname:
            continue
        owner = qualname.rsplit(".", 1)[0]
        wrapper = f"""

_MUTANT_MEMBERSHIPS = {{}}
_mutant_uncached_membership_in = {owner}.membership_in


def _mutant_cached_membership_in(self, org_public_id):
    import sqlalchemy

    key = (self.user.id, org_public_id)
    if key not in _MUTANT_MEMBERSHIPS:
        found = _mutant_uncached_membership_in(self, org_public_id)
        if found is None:
            return None
        columns = sqlalchemy.inspect(found.org).mapper.column_attrs
        values = {{column.key: getattr(found.org, column.key) for column in columns}}
        _MUTANT_MEMBERSHIPS[key] = (type(found), type(found.org), values, found.role)
    membership, organization, values, role = _MUTANT_MEMBERSHIPS[key]
    return membership(org=organization(**values), user=self.user, role=role)


{owner}.membership_in = _mutant_cached_membership_in
"""
        end = len(module.text)
        yield mutant(
            module,
            function,
            "cached-membership",
            qualname,
            f"{qualname} trusts a membership cached across requests",
            Splice(module.path, end, end, wrapper),
        )
        return
    yield MissingTarget("cached-membership", "no method named membership_in")


def drop_security_event(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """A denial (a function that aborts) no longer records its security event."""
    found = False
    for module, function, qualname in source.functions():
        own = list(own_nodes(function))
        if not any(isinstance(n, ast.Call) and name_of(n.func) == "abort" for n in own):
            continue
        for node in own:
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and name_of(node.value.func) == "security_event"
            ):
                found = True
                args = node.value.args
                event = str(args[0].value) if args and isinstance(args[0], ast.Constant) else "?"
                yield mutant(
                    module,
                    node,
                    "drop-security-event",
                    f"{qualname}[{event}]",
                    f"{qualname} denies without logging {event}",
                    module.replace(node, "pass"),
                )
    if not found:
        yield MissingTarget("drop-security-event", "no security_event call before an abort")


def skip_authorization_check(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """An `if <check>: forbidden(...)` (or `abort(403)`) never denies."""
    found = False
    for module, function, qualname in source.functions():
        for node in own_nodes(function):
            if not isinstance(node, ast.If) or not _denies(node.body):
                continue
            found = True
            check = ast.unparse(node.test)
            yield mutant(
                module,
                node,
                "skip-authorization-check",
                f"{qualname}[{check}]",
                f"{qualname} never denies on `{check}`",
                module.replace(node.test, "False"),
            )
    if not found:
        yield MissingTarget("skip-authorization-check", "no `if ...: forbidden(...)` check")


def _denies(body: list[ast.stmt]) -> bool:
    """The block answers 403 itself: one of its statements is `forbidden(...)` or
    `abort(403, ...)` (a nested `if` is a check of its own)."""
    for statement in body:
        node = statement.value if isinstance(statement, ast.Expr) else None
        if not isinstance(node, ast.Call):
            continue
        if name_of(node.func) == "forbidden":
            return True
        first = node.args[0] if node.args else None
        if name_of(node.func) == "abort" and isinstance(first, ast.Constant) and first.value == 403:
            return True
    return False
