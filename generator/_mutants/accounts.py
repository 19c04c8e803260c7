"""Mutants of the account lifecycle: a view that reaches other users' tokens, a password
change that keeps the old tokens or skips the current password, and a sign-in that answers
an unknown email without the work of a password hash."""

import ast
from collections.abc import Iterator

from generator._mutants._source import (
    MissingTarget,
    Module,
    Mutant,
    ProjectSource,
    mutant,
    name_of,
    own_nodes,
)

# What marks a token model: the column that holds the hash of its secret.
TOKEN_COLUMN = "token_hash"
PASSWORD_CHECKS = {"check_password", "password_matches", "check_password_hash"}


def _token_repositories(source: ProjectSource) -> set[str]:
    """The `ScopedRepository` subclasses whose model holds a token hash."""
    token_models = {
        node.name
        for _, node in source.classes()
        if any(
            isinstance(child, ast.AnnAssign)
            and isinstance(child.target, ast.Name)
            and child.target.id == TOKEN_COLUMN
            for child in node.body
        )
    }
    return {repo.node.name for repo in source.repositories() if repo.model in token_models}


def foreign_tokens(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """One view reaches the token repository without its conditions: every user's tokens."""
    repositories = _token_repositories(source)
    found = False
    for module, function, qualname in source.views():
        for node in own_nodes(function):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in repositories
            ):
                continue
            found = True
            name = node.func.id
            unscoped = f'type("{name}", ({name},), {{"conditions": lambda self: []}})'
            yield mutant(
                module,
                node,
                "foreign-tokens",
                qualname,
                f"{qualname} reaches the tokens of every user through {name}",
                module.replace(node.func, unscoped),
            )
    if not found:
        yield MissingTarget("foreign-tokens", "no view uses a repository of a token model")


def _password_setters(source: ProjectSource) -> Iterator[tuple[Module, ast.FunctionDef, str]]:
    """Views that set a password (call `.set_password(...)`)."""
    for module, function, qualname in source.views():
        if any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "set_password"
            for node in own_nodes(function)
        ):
            yield module, function, qualname


def tokens_survive_password_change(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """A password change no longer revokes the user's other tokens."""
    found = False
    for module, function, qualname in _password_setters(source):
        for node in own_nodes(function):
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and name_of(node.value.func).startswith("revoke")
            ):
                found = True
                yield mutant(
                    module,
                    node,
                    "tokens-survive-password-change",
                    qualname,
                    f"{qualname} keeps every old token valid",
                    module.replace(node, "pass"),
                )
    if not found:
        yield MissingTarget(
            "tokens-survive-password-change", "no view that sets a password revokes tokens"
        )


def password_change_without_current(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """A password change accepts any current password."""
    found = False
    for module, function, qualname in _password_setters(source):
        for node in own_nodes(function):
            if isinstance(node, ast.If) and any(
                isinstance(call, ast.Call) and name_of(call.func) in PASSWORD_CHECKS
                for call in ast.walk(node.test)
            ):
                found = True
                yield mutant(
                    module,
                    node,
                    "password-change-without-current",
                    qualname,
                    f"{qualname} sets a new password without the current one",
                    module.replace(node.test, "False"),
                )
    if not found:
        yield MissingTarget(
            "password-change-without-current",
            "no view that sets a password checks the current one",
        )


def skip_dummy_hash(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """An unknown account skips the password hash, so a sign-in tells it by its speed."""
    found = False
    for module, function, qualname in source.functions():
        for node in own_nodes(function):
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and name_of(node.value.func) == "check_password_hash"
            ):
                found = True
                yield mutant(
                    module,
                    node,
                    "skip-dummy-hash",
                    qualname,
                    f"{qualname} answers an unknown account without hashing the password",
                    module.replace(node, "pass"),
                )
    if not found:
        yield MissingTarget("skip-dummy-hash", "no check_password_hash call made only for its work")
