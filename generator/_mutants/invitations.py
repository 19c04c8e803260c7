"""Mutants of invitations: an invitation that anyone can accept, a membership that exists as
soon as someone is invited, and a revocation that reaches other organizations' invitations.

An invitation model is found by its columns: the address it is sent to (`email`) and the role
it offers (`role`); its repositories are the `ScopedRepository` subclasses of that model.
"""

import ast
from collections.abc import Iterator

from generator._mutants._source import (
    MissingTarget,
    Module,
    Mutant,
    ProjectSource,
    dotted,
    mutant,
    own_nodes,
)

# The columns that mark each account model, read from the class body's annotations.
INVITATION_COLUMNS = {"email", "role"}
MEMBERSHIP_COLUMNS = {"user_id", "role"}
USER_COLUMNS = {"email", "password_hash"}
# What the invitee's repository compares an invitation's address with.
CALLER_EMAIL = "scope.user.email"


def _columns(node: ast.ClassDef) -> set[str]:
    return {
        child.target.id
        for child in node.body
        if isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name)
    }


def _models_with(source: ProjectSource, columns: set[str]) -> list[tuple[Module, ast.ClassDef]]:
    return [(module, node) for module, node in source.classes() if columns <= _columns(node)]


def matches_caller_email(node: ast.AST) -> bool:
    """True for `column == ...scope.user.email`: a condition on the caller's own address."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return False
    right = dotted(node.comparators[0])
    return isinstance(node.ops[0], ast.Eq) and (
        right == CALLER_EMAIL or right.endswith("." + CALLER_EMAIL)
    )


def _invitation_models(source: ProjectSource) -> set[str]:
    return {node.name for _, node in _models_with(source, INVITATION_COLUMNS)}


def _invitation_repositories(source: ProjectSource, scope: str) -> set[str]:
    """The repositories of an invitation model that act in a scope of this kind."""
    models = _invitation_models(source)
    return {
        repo.node.name
        for repo in source.repositories()
        if repo.model in models and repo.scope == scope
    }


def accept_without_email(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """The invitee's repository no longer matches the caller's email: anyone lists, accepts
    and declines anyone's invitations."""
    found = False
    for repo in source.repositories():
        for node in ast.walk(repo.conditions) if repo.conditions else ():
            if not matches_caller_email(node):
                continue
            found = True
            assert isinstance(node, ast.Compare)
            left = repo.module.segment(node.left)
            name = repo.node.name
            yield mutant(
                repo.module,
                node,
                "accept-without-email",
                name,
                f"{name}.conditions keeps invitations to every address: anyone accepts them",
                repo.module.replace(node, f"{left} == {left}"),
            )
    if not found:
        yield MissingTarget(
            "accept-without-email", f"no repository condition compares with {CALLER_EMAIL}"
        )


def membership_at_invitation(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """A view that creates an invitation also makes the address's account a member at once."""
    invitations = _invitation_models(source)
    memberships = _models_with(source, MEMBERSHIP_COLUMNS)
    users = _models_with(source, USER_COLUMNS)
    if not invitations or not memberships or not users:
        yield MissingTarget(
            "membership-at-invitation", "no invitation, membership and user models to read"
        )
        return
    membership_module, membership = memberships[0]
    user_module, user = users[0]
    found = False
    for module, function, qualname in source.views():
        for statement in own_nodes(function):
            if not (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and any(
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id in invitations
                    for call in ast.walk(statement.value)
                )
            ):
                continue
            found = True
            invitation = statement.targets[0].id
            indent = module.indent_of(statement)
            members = _importing(source, membership_module, membership.name)
            accounts = _importing(source, user_module, user.name)
            db = "db" if module.binds("db") else _importing(source, None, "db")
            lines = [
                f"_invitee = {db}.session.scalars(",
                f'    __import__("sqlalchemy").select({accounts})',
                f"    .where({accounts}.email == {invitation}.email)",
                ").first()",
                "if _invitee is not None:",
                f"    {db}.session.add({members}(",
                f"        org_id={invitation}.org_id, user_id=_invitee.id, role={invitation}.role",
                "    ))",
            ]
            yield mutant(
                module,
                statement,
                "membership-at-invitation",
                qualname,
                f"{qualname} makes the invited address's account a member before it accepts",
                module.insert_after(statement, "".join(f"\n{indent}{line}" for line in lines)),
            )
    if not found:
        yield MissingTarget(
            "membership-at-invitation", "no view assigns a new invitation to a variable"
        )


def _importing(source: ProjectSource, module: Module | None, name: str) -> str:
    """An expression for `name` from `module` (None: the package's `extensions`)."""
    path = module.package_path.removesuffix(".py") if module else "extensions"
    dotted_path = ".".join([source.package, *path.split("/")])
    return f'__import__("{dotted_path}", fromlist=["{name}"]).{name}'


def revoke_without_org_scope(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """A view that looks one invitation up in its organization looks it up in every one."""
    repositories = _invitation_repositories(source, "org")
    found = False
    for module, function, qualname in source.views():
        for node in own_nodes(function):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and isinstance(node.func.value, ast.Call)
                and isinstance(node.func.value.func, ast.Name)
                and node.func.value.func.id in repositories
            ):
                continue
            found = True
            name = node.func.value.func.id
            unscoped = f'type("{name}", ({name},), {{"conditions": lambda self: []}})'
            yield mutant(
                module,
                node,
                "revoke-without-org-scope",
                qualname,
                f"{qualname} reaches the invitations of every organization through {name}",
                module.replace(node.func.value.func, unscoped),
            )
    if not found:
        yield MissingTarget(
            "revoke-without-org-scope",
            "no view gets one invitation from an organization's invitation repository",
        )
