"""Mutants of the scoped query: a repository that keeps rows outside the caller's scope."""

import ast
from collections.abc import Iterator

from generator._mutants._source import (
    MissingTarget,
    Module,
    Mutant,
    ProjectSource,
    Splice,
    append_to_class,
    dotted,
    method_of,
    mutant,
    walk_or_nothing,
)
from generator._mutants.invitations import matches_caller_email

# What a repository condition compares its column with, by the scope part it restricts to.
CONDITION_SOURCES = {"owner": "scope.user.id", "org": "scope.org.id", "parent": "parent.id"}
# The condition the core builds for each part, as a subclass override would write it.
CORE_CONDITIONS = {
    "owner": "self.model.owner_id == self.scope.user.id",
    "org": "self.model.org_id == self.scope.org.id",
    "parent": "getattr(self.model, self.parent_key) == self.parent.id",
}


def _classify_condition(node: ast.Compare) -> str | None:
    """`owner`, `org` or `parent`: what a `column == ...` condition restricts the rows to."""
    if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq):
        return None
    right = dotted(node.comparators[0])
    for part, source in CONDITION_SOURCES.items():
        if right == source or right.endswith("." + source):
            return part
    return None


def _drop_condition(module: Module, compare: ast.Compare) -> Splice:
    """Compare the column with itself: the condition stays in the SQL but keeps every row."""
    left = module.segment(compare.left)
    return module.replace(compare, f"{left} == {left}")


def scope_conditions(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Drop the owner, org or parent condition from the core's `ScopedRepository.conditions`."""
    core = source.core()
    method = method_of(core[1], "conditions") if core else None
    found = set()
    if core and method:
        module = core[0]
        for node in ast.walk(method):
            if not isinstance(node, ast.Compare) or (part := _classify_condition(node)) is None:
                continue
            found.add(part)
            yield mutant(
                module,
                node,
                f"drop-{part}-condition",
                "ScopedRepository.conditions",
                f"ScopedRepository.conditions keeps rows of every {_part_noun(part)}",
                _drop_condition(module, node),
            )
    for part in CONDITION_SOURCES:
        if part not in found:
            yield MissingTarget(
                f"drop-{part}-condition",
                f"no `column == ...{CONDITION_SOURCES[part]}` in ScopedRepository.conditions",
            )


def repository_conditions(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Per repository: a `conditions` that drops its owner or org condition, or its parent one."""
    for repo in source.repositories():
        name, module = repo.node.name, repo.module
        if repo.conditions is not None:
            compares = [
                (node, part)
                for node in ast.walk(repo.conditions)
                if isinstance(node, ast.Compare) and (part := _classify_condition(node)) is not None
            ]
            # A condition on the caller's email is the invitations layer's to mutate.
            if not compares and not any(map(matches_caller_email, ast.walk(repo.conditions))):
                yield MissingTarget("drop-owner-condition", f"{name}.conditions restricts nothing")
            for node, part in compares:
                yield mutant(
                    module,
                    node,
                    f"drop-{part}-condition",
                    name,
                    f"{name}.conditions keeps rows of every {_part_noun(part)}",
                    _drop_condition(module, node),
                )
            continue
        if repo.scope not in ("owner", "org"):
            yield MissingTarget("drop-owner-condition", f"{name}: cannot tell its model's scope")
            continue
        parts = [repo.scope] + (["parent"] if repo.parent_key else [])
        for part in parts:
            kept = ", ".join(CORE_CONDITIONS[p] for p in parts if p != part)
            override = ["def conditions(self):", f"    return [{kept}]"]
            yield mutant(
                module,
                repo.node,
                f"drop-{part}-condition",
                name,
                f"{name} overrides conditions without its {part} condition",
                append_to_class(module, repo.node, override),
            )


def _part_noun(part: str) -> str:
    return {"owner": "owner", "org": "organization", "parent": "parent"}[part]


def unscoped_find(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """`find` selects from the whole table instead of `self.select()`, the scoped query."""
    core = source.core()
    method = method_of(core[1], "find") if core else None
    calls = [
        node
        for node in walk_or_nothing(method)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "select"
        and dotted(node.func.value) == "self"
        and not node.args
    ]
    if not core or not calls:
        yield MissingTarget("unscoped-find", "no `self.select()` in ScopedRepository.find")
        return
    module = core[0]
    direct = "select" if module.binds("select") else '__import__("sqlalchemy").select'
    for node in calls:
        yield mutant(
            module,
            node,
            "unscoped-find",
            "ScopedRepository.find",
            "ScopedRepository.find looks the id up in the whole table",
            module.replace(node, f"{direct}(self.model)"),
        )
