"""The layout the architecture is read from: `stages/` holds exactly the DAG's tasks and no stage imports
another, no import cycles, no module over 300 lines, no word of the vocabulary defined twice, no
`settings.raw`."""

from __future__ import annotations

import ast
from pathlib import Path

from wkw import vocabulary
from wkw.config import PROJECT_ROOT
from wkw.pipeline import STAGE_NAMES

PACKAGE = PROJECT_ROOT / "jobs" / "wkw"
MAX_LINES = 300


def module_name(path: Path) -> str:
    return "wkw." + str(path.relative_to(PACKAGE))[:-3].replace("/", ".").removesuffix(".__init__")


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The wkw modules a module imports at its top level (what can form a cycle at import time)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "wkw":
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names} & known
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "wkw"}
    return found & known


def test_stages_are_exactly_the_dag_tasks_and_import_no_other_stage():
    stages = {path.stem for path in (PACKAGE / "stages").glob("*.py") if path.stem != "__init__"}
    assert stages == set(STAGE_NAMES)
    known = set(modules())
    for name in stages:
        imported = imports_of(PACKAGE / "stages" / f"{name}.py", known)
        assert not {m for m in imported if m.startswith("wkw.stages")}, name


def test_no_import_cycles():
    found = modules()
    graph = {name: imports_of(path, set(found)) for name, path in found.items()}
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for dependency in sorted(graph[name]):
            assert state.get(dependency) != "open", " -> ".join([*trail, name, dependency])
            if dependency not in state:
                visit(dependency, [*trail, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_no_module_is_over_300_lines():
    long = {
        name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_vocabulary_words_are_defined_once_and_settings_are_typed():
    words = {value for name, value in vars(vocabulary).items() if name.isupper() and isinstance(value, str)}
    for name, path in modules().items():
        if name == "wkw.vocabulary":
            continue
        text = path.read_text()
        assert "settings.raw" not in text, name
        for node in ast.parse(text).body:
            # A stage's own name (`STAGE = "privacy"`) is the DAG's word, not the vocabulary's.
            is_stage_name = any(
                getattr(target, "id", "") == "STAGE" for target in getattr(node, "targets", [])
            )
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and not is_stage_name:
                assert node.value.value not in words, f"{name} defines {node.value.value!r} again"
