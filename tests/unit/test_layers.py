"""The import arrows between the project's packages point one way (domain <- store <-
activities/workflows <- cli), and workflows know activities by name only.

Read from the source with `ast`, so a loop shows here before it shows as an import error in
one process and not another.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports(package: str) -> list[tuple[Path, str, list[str]]]:
    """(module file, imported module, names) for every absolute import in `package` (a
    folder, or a top-level module such as settings.py)."""
    files = sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else [ROOT / f"{package}.py"]
    return [found for path in files for found in _file_imports(path)]


def packages_imported(package: str) -> set[str]:
    return {module.split(".")[0] for _, module, _ in imports(package)}


# What the domain may import besides the standard library: data, not frameworks (the bank
# holidays the working-day calendar is built from).
DOMAIN_DATA_LIBRARIES = {"holidays"}


def test_the_domain_imports_only_the_standard_library_and_its_data():
    outside = packages_imported("domain") - set(sys.stdlib_module_names) - DOMAIN_DATA_LIBRARIES - {"domain"}
    assert not outside, f"domain/ imports {sorted(outside)}"


# The layers from the bottom up: a package may import from its own layer's packages only
# what it names, and from the layers below it; nothing from above.
LAYERS = [
    {"domain"},
    {"sealing", "settings"},
    {"store"},
    {"observability", "audit", "reports"},
    {"activities"},
    {"workflows"},
    {"services", "worker"},
    {"api"},
    {"cli"},
]


def test_no_layer_imports_one_above_it():
    for height, layer in enumerate(LAYERS):
        above = set().union(*LAYERS[height + 1:])
        for package in layer:
            found = packages_imported(package)
            assert not found & above, f"{package} imports {sorted(found & above)}, above it"


def _file_imports(path: Path) -> list[tuple[Path, str, list[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((path, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(path, a.name, []) for a in node.names]
    return found


def test_workflows_know_activities_by_name_only():
    assert {module for _, module, _ in imports("workflows") if module.startswith("activities")} == {"activities.names"}


def test_no_private_name_is_imported_from_another_module():
    for package in ("workflows", "activities"):
        for path, module, names in imports(package):
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{path.relative_to(ROOT)} imports {private} from {module}"


def test_the_service_layer_sits_between_the_edges_and_what_is_below():
    assert not packages_imported("services") & {"api", "cli", "worker"}
    for below in ("domain", "store", "activities", "workflows", "reports", "audit"):
        assert "services" not in packages_imported(below), below


def test_the_edges_reach_the_database_through_services():
    """No table and no engine in the HTTP layer, the dashboard or the reports; the CLI's
    commands that run or migrate the database itself (up, operate) are its only users of
    store.engine."""
    runs_the_database = {"up.py", "operate.py"}
    for package in ("api", "reports", "cli"):
        for path, module, _ in imports(package):
            if package == "cli" and path.name in runs_the_database and module == "store.engine":
                continue
            assert module not in ("store.schema", "store.engine"), f"{path.relative_to(ROOT)} imports {module}"
    assert "sqlalchemy" not in packages_imported("reports")


def test_route_modules_share_through_services_not_each_other():
    for package in ("api/routes", "api/dashboard"):
        for path, module, _ in imports(package):
            assert not module.startswith("api.routes"), f"{path.relative_to(ROOT)} imports {module}"


def test_the_cli_uses_the_http_layer_only_to_serve_it():
    """`pathways up` serves the HTTP app; nothing else in the CLI imports api/ (tokens live
    in services/identity.py)."""
    found = {(path.name, module) for path, module, _ in imports("cli") if module.split(".")[0] == "api"}
    assert found == {("up.py", "api.app")}
