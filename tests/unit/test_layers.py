"""The import arrows between the project's packages point one way (domain <- store <-
activities/workflows <- cli), and workflows know activities by name only.

Read from the source with `ast`, so a loop shows here before it shows as an import error in
one process and not another.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports(package: str) -> list[tuple[Path, str, list[str]]]:
    """(module file, imported module, names) for every absolute import in `package`."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((path, node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                found += [(path, a.name, []) for a in node.names]
    return found


def packages_imported(package: str) -> set[str]:
    return {module.split(".")[0] for _, module, _ in imports(package)}


def test_what_sits_below_the_workflows_imports_nothing_above_it():
    assert not packages_imported("domain") & {"store", "activities", "workflows", "audit", "cli", "api", "worker"}
    assert not packages_imported("store") & {"activities", "workflows", "audit", "cli", "api", "worker"}
    assert not packages_imported("audit") & {"activities", "workflows", "cli", "api", "worker"}
    assert not packages_imported("activities") & {"workflows", "cli", "api", "worker"}


def test_workflows_know_activities_by_name_only():
    assert {module for _, module, _ in imports("workflows") if module.startswith("activities")} == {"activities.names"}


def test_no_private_name_is_imported_from_another_module():
    for package in ("workflows", "activities"):
        for path, module, names in imports(package):
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{path.relative_to(ROOT)} imports {private} from {module}"
