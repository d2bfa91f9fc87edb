"""The pipeline is visible in the tree, and imports go one way.

Every ``import`` in the package — at module level and inside functions — is read from the
source (ast), resolved to the stage it names, and checked against the order of the stages: a
module may import its own stage or an earlier one, never a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "reportgen"

# The stages, in the direction data flows. A stage may import only its own or an earlier one.
LAYERS = ["core", "model", "read", "derive", "render", "check", "write", "pipeline", "app", "cli"]
RANK = {name: i for i, name in enumerate(LAYERS)}
TOP_LEVEL_ALLOWED = {"__init__", "__main__", "model", "pipeline"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "reportgen":
        return None
    if len(parts) == 1:
        return "package"
    return parts[1]


def _imports(path: Path):
    """(line, absolute module) of every reportgen import in a file, function-level included."""
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from X import y``: y may be a module of X or a name in it; callers walk up
            for a in node.names:
                yield node.lineno, f"{target}.{a.name}"
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            yield node.lineno, node.args[0].value


def _sources():
    return sorted(p for p in PKG.rglob("*.py") if "sample" not in p.relative_to(PKG).parts)


def test_at_most_six_modules_directly_under_the_package():
    top = sorted(p.stem for p in PKG.glob("*.py"))
    assert len(top) <= 6, top
    assert set(top) <= TOP_LEVEL_ALLOWED, top


def test_every_module_lives_in_a_stage():
    for path in _sources():
        stage = _stage(_module_name(path))
        assert stage in RANK or path.parent == PKG, f"{path.relative_to(PKG)} is in no stage folder"


def test_stage_folders_exist():
    for name in LAYERS:
        assert (PKG / name).is_dir() or (PKG / f"{name}.py").is_file(), name


def test_imports_go_one_way():
    wrong = []
    for path in _sources():
        me = _stage(_module_name(path))
        if me not in RANK:
            continue
        for line, target in _imports(path):
            them = _stage(target)
            if them is None or them == "package" or them == "__version__":
                continue
            if them not in RANK:
                continue
            if RANK[them] > RANK[me]:
                wrong.append(f"{path.relative_to(PKG.parent)}:{line} ({me}) imports {target} ({them})")
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)


def test_model_imports_nothing_of_the_package():
    assert [t for _, t in _imports(PKG / "model.py") if t.startswith("reportgen")] == []


def test_the_checker_sees_function_level_imports(tmp_path):
    # The rule must read imports inside functions too: a later-stage import hidden in a function
    # of an earlier stage is found.
    src = tmp_path / "reportgen" / "read" / "x.py"
    src.parent.mkdir(parents=True)
    src.write_text("def f():\n    from ..app import batch\n", "utf-8")
    global PKG
    saved, PKG = PKG, tmp_path / "reportgen"
    try:
        found = list(_imports(src))
    finally:
        PKG = saved
    assert found == [(2, "reportgen.app.batch")]
    assert RANK[_stage(found[0][1])] > RANK["read"]


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    mods = {_module_name(p) for p in _sources()}
    for path in _sources():
        me = _module_name(path)
        deps = set()
        for _, target in _imports(path):
            while target and target not in mods:
                target = target.rpartition(".")[0]
            if target and target != me and target != "reportgen":
                deps.add(target)
        graph[me] = deps
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                cycle = stack[stack.index(m):] + [m]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if not state.get(m):
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if not state.get(n):
            visit(n)
