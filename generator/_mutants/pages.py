"""Mutants of bounded work: a list without its page-size cap."""

import ast
import copy
from collections.abc import Iterator

from generator._mutants._source import (
    MissingTarget,
    Mutant,
    ProjectSource,
    decorator_method,
    mutant,
)

HUGE_PAGE_SIZE = "1_000_000_000"


def uncapped_page_size(source: ProjectSource) -> Iterator[Mutant | MissingTarget]:
    """One `@blp.paginate()` accepts any page size."""
    found = False
    for module, function, qualname in source.functions():
        for decorator in function.decorator_list:
            if not isinstance(decorator, ast.Call) or decorator_method(decorator) != "paginate":
                continue
            found = True
            call = copy.deepcopy(decorator)
            call.keywords = [k for k in call.keywords if k.arg != "max_page_size"]
            call.keywords.append(ast.keyword("max_page_size", ast.Name(HUGE_PAGE_SIZE, ast.Load())))
            yield mutant(
                module,
                decorator,
                "uncapped-page-size",
                qualname,
                f"{qualname} pages have no size cap",
                module.replace(decorator, ast.unparse(call)),
            )
    if not found:
        yield MissingTarget("uncapped-page-size", "no view uses @blp.paginate()")
