"""docs/ARCHITECTURE.md matches the code, and the code keeps the size rules the page states."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

PAGE = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
PACKAGE = REPO / "scaling_cli"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py"))


def test_every_path_the_page_names_exists():
    for path in re.findall(r"`(scaling_cli/[\w/.]*)`", PAGE):
        assert (REPO / path.rstrip("/")).exists(), f"docs/ARCHITECTURE.md names {path}, which does not exist"


def test_every_module_of_the_package_is_on_the_page():
    missing = [str(p.relative_to(REPO)) for p in MODULES if not re.search(rf"\b{re.escape(p.stem)}\b", PAGE)]
    assert not missing, f"modules docs/ARCHITECTURE.md does not mention: {missing}"


def test_no_module_over_400_lines_and_no_function_over_60():
    too_long = []
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        if source.count("\n") > 400:
            too_long.append(f"{path.relative_to(REPO)}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                too_long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not too_long, "\n".join(too_long)
