"""The floors of the code, enforced: which package may import which (see README, Architecture).

The rules themselves are import-linter contracts in pyproject.toml; this test runs them, checks
that the ground floor's contract names every module of the site package, and adds the rule
import-linter has no contract for: no module imports another that imports it back.
"""

import importlib
import pkgutil
import sys
import textwrap
import tomllib
from pathlib import Path

import grimp
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("wijkaanpak", "contracts", "projects", "budget")


def contracts_config():
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["tool"]["importlinter"]["contracts"]


def mutual_imports(*packages):
    """Pairs of modules that import each other directly (at the top or inside a function)."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    pairs = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if module in graph.find_modules_directly_imported_by(imported):
                pairs.add(tuple(sorted((module, imported))))
    return sorted(pairs)


def test_the_import_contracts_are_kept(capsys):
    configuration.configure()  # what the lint-imports command does first
    kept = lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)

    report = capsys.readouterr().out
    assert kept, report


def test_the_ground_floor_contract_names_every_module_of_the_site():
    """A new module of the site package is above the apps unless it is in common."""
    ground_floor = next(c for c in contracts_config() if c["id"] == "ground-floor")
    site = importlib.import_module("wijkaanpak")
    modules = {
        f"wijkaanpak.{info.name}"
        for info in pkgutil.iter_modules(site.__path__)
        if info.name != "common"
    }

    assert modules - set(ground_floor["forbidden_modules"]) == set()


def test_no_module_imports_one_that_imports_it_back():
    assert mutual_imports(*PACKAGES) == []


def test_a_pair_that_imports_each_other_is_found(tmp_path, monkeypatch):
    """The check above can fail: two modules of a throwaway package that import each other."""
    package = tmp_path / "floorcheck"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from floorcheck import b\n")
    (package / "b.py").write_text(
        textwrap.dedent(
            """
            def later():
                from floorcheck import a

                return a
            """
        )
    )
    (package / "c.py").write_text("from floorcheck import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    try:
        assert mutual_imports("floorcheck") == [("floorcheck.a", "floorcheck.b")]
    finally:
        for name in [name for name in sys.modules if name.startswith("floorcheck")]:
            del sys.modules[name]
