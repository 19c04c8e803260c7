"""Mutants of the database layer: row-level security that no longer holds on PostgreSQL.

They change the row security module (`security/rls.py`, found as the module whose code writes
a `CREATE POLICY` statement): an owned table left without its policy, the caller's identity set
for the session instead of the transaction, the app's role bypassing the policies (the tables'
owner without `FORCE ROW LEVEL SECURITY`), and writes no longer checked (`WITH CHECK (true)`).
Only a suite run on PostgreSQL can notice them, so each is marked `database="postgresql"`;
`scopecraft verify` runs them when TEST_DATABASE_URL names a PostgreSQL database.
"""

import ast
import dataclasses
import re
from collections.abc import Iterator

from generator._mutants._source import (
    MissingTarget,
    Module,
    Mutant,
    ProjectSource,
    Splice,
    class_constant,
    mutant,
)

DATABASE = "postgresql"
# The generated tests that prove the database layer: run first for these mutants.
FOCUS = "row_security"
_WITH_CHECK = re.compile(r"WITH CHECK \((\{[^{}]*\}|[^()]*)\)")


def _database_mutant(found: Mutant) -> Mutant:
    return dataclasses.replace(found, database=DATABASE, focus=FOCUS)


def _strings(module: Module) -> Iterator[ast.Constant | ast.JoinedStr]:
    """The string literals of a module's code, each f-string as one: docstrings, which
    describe, are left out."""
    skipped = set()
    for node in ast.walk(module.tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(part) for part in ast.walk(node) if part is not node)
    for node in ast.walk(module.tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, str)
        ):
            yield node


def _literal_text(node: ast.Constant | ast.JoinedStr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    return "".join(
        str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
    )


def _row_security_module(source: ProjectSource) -> Module | None:
    for module in source.modules:
        if any("CREATE POLICY" in _literal_text(node) for node in _strings(module)):
            return module
    return None


def _policy_function(module: Module) -> ast.FunctionDef | None:
    """The function that writes the CREATE POLICY statement."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef) and any(
            "CREATE POLICY" in _literal_text(s)
            for s in ast.walk(node)
            if isinstance(s, ast.Constant | ast.JoinedStr)
        ):
            return node
    return None


def _owned_tables(source: ProjectSource) -> list[str]:
    tables = []
    for name in sorted(source.owned_models()):
        _, node = source.find_class(name)
        table = class_constant(node, "__tablename__")
        if isinstance(table, str):
            tables.append(table)
    return tables


def drop_row_policy(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Per owned table: the statements that put it under its policy are not run."""
    module = _row_security_module(source)
    function = _policy_function(module) if module else None
    if module is None or function is None or not function.args.args:
        yield MissingTarget("drop-row-policy", "no function writes a CREATE POLICY statement")
        return
    table_arg = function.args.args[0].arg
    body = function.body
    first = body[1] if ast.get_docstring(function) is not None and len(body) > 1 else body[0]
    indent = module.indent_of(first)
    start = module.line_start(first.lineno)
    for table in _owned_tables(source):
        guard = f"{indent}if {table_arg} == {table!r}:\n{indent}    return []\n"
        yield _database_mutant(
            mutant(
                module,
                function,
                "drop-row-policy",
                table,
                f"{function.name} leaves {table} without row-level security",
                Splice(module.path, start, start, guard),
            )
        )


def _enclosing_name(module: Module, node: ast.AST) -> str:
    """The top-level function, class or constant of `module` that holds `node`."""
    line = node.lineno  # type: ignore[attr-defined]
    for statement in module.tree.body:
        if not statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            continue
        if isinstance(statement, ast.FunctionDef | ast.ClassDef):
            return statement.name
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            return statement.targets[0].id
    return "module"


def _replace_in_strings(
    source: ProjectSource, operator: str, pattern: re.Pattern[str], new: str, description: str
) -> Iterator[Mutant | MissingTarget]:
    """One mutant per string literal of the row security module that `pattern` matches."""
    module = _row_security_module(source)
    targets: list[str] = []
    for node in _strings(module) if module else ():
        assert module is not None
        segment = module.segment(node)
        if not pattern.search(segment):
            continue
        name = _enclosing_name(module, node)
        targets.append(name)
        target = name if targets.count(name) == 1 else f"{name}#{targets.count(name)}"
        yield _database_mutant(
            mutant(
                module,
                node,
                operator,
                target,
                description,
                module.replace(node, pattern.sub(new, segment, count=1)),
            )
        )
    if not targets:
        yield MissingTarget(
            operator, f"no string of the row security module matches {pattern.pattern}"
        )


def session_identity(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """`set_config(..., false)`: the caller's identity outlives its transaction on the pooled
    connection, into the next request, script or caller that gets it."""
    yield from _replace_in_strings(
        source,
        "session-identity",
        re.compile(r"(set_config\([^()]*,\s*)true(\s*\))", re.IGNORECASE),
        r"\1false\2",
        "the caller's identity is set for the session, not the transaction",
    )


def bypass_row_security(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """The owned tables are not forced: their owner, the app's role, bypasses the policies."""
    yield from _replace_in_strings(
        source,
        "bypass-row-security",
        re.compile(r"(?<!NO )FORCE ROW LEVEL SECURITY"),
        "NO FORCE ROW LEVEL SECURITY",
        "the tables' owner, the app's own role, bypasses the policies (NO FORCE)",
    )


def drop_with_check(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """The policies check no written row: any row may be inserted or moved into any scope."""
    yield from _replace_in_strings(
        source,
        "drop-with-check",
        _WITH_CHECK,
        "WITH CHECK (true)",
        "the policies accept any written row (WITH CHECK (true))",
    )
