"""The layered house holds (docs/architecture.md): imports only go down staff < scoring <
evaluation < dashboards < config, the rating engine stays pure, no two project modules import
each other in a circle, and no project module is imported inside a function.

``lint-imports`` itself runs in scripts/test; here we prove it would catch a break, by adding an
upward import to a copy of the tree and watching the contract fail.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("staff", "scoring", "evaluation", "dashboards", "config")
ENGINE = ("scoring.engine", "scoring.rules", "scoring.reasons", "scoring.periods")

# The only function-local imports of project modules, each for a reason an import at the top of
# the module cannot serve:
# - an AppConfig's ready() runs once the app registry is loaded; at module level the same
#   import would read models before Django has set them up (signal receivers, accesslog).
ALLOWED_LOCAL_IMPORTS = {
    ("staff/apps.py", "staff.accesslog"),
    ("dashboards/apps.py", "dashboards.receivers"),
    ("dashboards/apps.py", "evaluation.signals"),
    ("evaluation/apps.py", "evaluation.receivers"),
    ("evaluation/apps.py", "staff.signals"),
    ("scoring/apps.py", "scoring.receivers"),
    ("scoring/apps.py", "staff.signals"),
}


def _python_files() -> list[Path]:
    files = []
    for layer in LAYERS:
        files += [p for p in (ROOT / layer).rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def _graph() -> grimp.ImportGraph:
    sys.path.insert(0, str(ROOT))
    try:
        return grimp.build_graph(*LAYERS, exclude_type_checking_imports=False)
    finally:
        sys.path.remove(str(ROOT))


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The five layers' sources and the contracts, copied where a test may break them."""
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, tmp_path / layer, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_contracts_hold_on_the_tree_as_it_is(tree_copy):
    result = _lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers_contract(tree_copy):
    # The ground floor reaching for the workflow: exactly what the layers forbid.
    _append(tree_copy / "staff" / "names.py", "from evaluation import models as _upward")
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert "Layers, ground first" in result.stdout and "BROKEN" in result.stdout
    assert "staff.names -> evaluation.models" in result.stdout


def test_an_upward_import_only_for_type_checking_breaks_it_too(tree_copy):
    _append(
        tree_copy / "scoring" / "selectors.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from dashboards import models",
    )
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert "scoring.selectors -> dashboards.models" in result.stdout


def test_django_in_the_engine_breaks_the_pure_engine_contract(tree_copy):
    _append(tree_copy / "scoring" / "rules.py", "import django.db as _orm")
    result = _lint_imports(tree_copy)
    assert result.returncode != 0
    assert "The rating engine imports neither Django" in result.stdout
    assert "BROKEN" in result.stdout


def test_no_circle_of_imports_between_project_modules():
    graph = _graph()
    circles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == module:
                continue
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                circles.append((module, *back))
    assert circles == []


def test_no_project_module_is_imported_inside_a_function():
    found = set()
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                for name in names:
                    if name.split(".")[0] in LAYERS:
                        found.add((str(path.relative_to(ROOT)), name))
    assert found - ALLOWED_LOCAL_IMPORTS == set()


def test_every_other_scoring_module_is_forbidden_to_the_engine():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    engine = next(c for c in contracts if c["id"] == "pure-engine")
    assert tuple(engine["source_modules"]) == ENGINE
    scoring = {
        "scoring." + (p.stem if p.is_file() else p.name)
        for p in (ROOT / "scoring").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert scoring - set(ENGINE) <= set(engine["forbidden_modules"])


def test_the_layers_contract_names_the_five_apps_ground_floor_last():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    assert layers["layers"] == list(reversed(LAYERS))
