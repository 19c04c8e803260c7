"""Mutants of lists: a page size without its cap, a next page without the scope, and a cursor
that carries the scope of the list it came from, trusted by the next request."""

import ast
from collections.abc import Iterator

from generator._mutants._source import (
    MissingTarget,
    Mutant,
    ProjectSource,
    Splice,
    dotted,
    method_of,
    mutant,
    own_nodes,
)

CAP_SETTING = "MAX_PAGE_SIZE"
HUGE_PAGE_SIZE = "1_000_000_000"


def uncapped_limit(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """Each read of the MAX_PAGE_SIZE setting (`...config["MAX_PAGE_SIZE"]`) gives no cap."""
    found = False
    for module, function, qualname in source.functions():
        for node in own_nodes(function):
            if not _reads_cap(node):
                continue
            found = True
            yield mutant(
                module,
                node,
                "uncapped-limit",
                qualname,
                f"{qualname} reads no page-size cap: {dotted(node)} is {HUGE_PAGE_SIZE}",
                module.replace(node, HUGE_PAGE_SIZE),
            )
    if not found:
        yield MissingTarget("uncapped-limit", f'no code reads config["{CAP_SETTING}"]')


def _reads_cap(node: ast.AST) -> bool:
    """`<...>.config["MAX_PAGE_SIZE"]` or `<...>.config.get("MAX_PAGE_SIZE", ...)`."""
    if isinstance(node, ast.Subscript):
        key, owner = node.slice, node.value
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
    ):
        key, owner = node.args[0], node.func.value
    else:
        return False
    named = isinstance(owner, ast.Attribute) and owner.attr == "config"
    return named and isinstance(key, ast.Constant) and key.value == CAP_SETTING


def unscoped_next_page(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """`ScopedRepository.page` builds a next page (one asked for after a position) without the
    scope's conditions: the first page is scoped, the following ones read the whole table."""
    core = source.core()
    method = method_of(core[1], "page") if core else None
    arguments = method.args.args[1:] if method else []
    defaults = method.args.defaults if method else []
    position = arguments[-1].arg if method and len(defaults) >= 1 and len(arguments) >= 2 else None
    if not core or not method or position is None:
        yield MissingTarget(
            "unscoped-next-page", "no ScopedRepository.page(limit, after=None) to mutate"
        )
        return
    module = core[0]
    body = method.body
    first = body[1] if ast.get_docstring(method) is not None and len(body) > 1 else body[0]
    indent = module.indent_of(first)
    forget = (
        f"{indent}if {position} is not None:\n"
        f"{indent}    self.conditions = lambda: []  # the next page forgets the scope\n"
    )
    start = module.line_start(first.lineno)
    yield mutant(
        module,
        method,
        "unscoped-next-page",
        "ScopedRepository.page",
        f"ScopedRepository.page drops the scope's conditions when {position} is given",
        Splice(module.path, start, start, forget),
    )


def scope_in_cursor(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """The next-page cursor also carries the internal keys of the list's scope (user, org,
    parent), and `paginate` lists for the scope a cursor carries instead of the caller's."""
    for module, function, qualname in source.functions():
        if function.name != "paginate" or "." in qualname or len(function.args.args) != 2:
            continue
        if not any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "page"
            for n in ast.walk(function)
        ):
            continue
        end = len(module.text)
        yield mutant(
            module,
            function,
            "scope-in-cursor",
            qualname,
            f"{qualname} writes the scope into its cursors and trusts the scope a cursor carries",
            Splice(module.path, end, end, _CURSOR_WITH_SCOPE),
        )
        return
    yield MissingTarget("scope-in-cursor", "no module-level paginate(repository, query)")


_CURSOR_WITH_SCOPE = """

_mutant_paginate_by_position = paginate


def _mutant_paginate_with_scope(repository, query):
    import base64
    import dataclasses
    import json
    import re
    import types

    cursor, _, carried = (query.cursor or "").partition("~")
    if carried:
        ids = json.loads(base64.urlsafe_b64decode(carried))
        key = types.SimpleNamespace
        org = key(id=ids["org"]) if ids["org"] is not None else None
        repository.scope = key(user=key(id=ids["user"]), org=org)
        repository.parent = key(id=ids["parent"]) if ids["parent"] is not None else None
        query = dataclasses.replace(query, cursor=cursor)
    items, headers = _mutant_paginate_by_position(repository, query)
    if "Link" in headers:
        scope, parent = repository.scope, repository.parent
        ids = {
            "user": scope.user.id,
            "org": scope.org.id if scope.org is not None else None,
            "parent": parent.id if parent is not None else None,
        }
        carried = base64.urlsafe_b64encode(json.dumps(ids).encode()).decode()
        link = re.sub(r"(cursor=[^&>]*)", lambda m: m.group(1) + "~" + carried, headers["Link"])
        headers = {**headers, "Link": link}
    return items, headers


paginate = _mutant_paginate_with_scope
"""
