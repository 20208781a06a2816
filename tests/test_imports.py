"""The package's import graph goes one way (docs/ARCHITECTURE.md §1): no module of vaal_core imports,
directly or through others, a module that imports it — in-function imports included."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "vaal_core"


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The vaal_core modules ``path`` imports (anywhere in it), as dotted names."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("vaal_core"):
                names = [f"{target}.{a.name}" for a in node.names]
                out |= {n for n in names if n in MODULES} or {target}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("vaal_core")}
    return {m for m in out if m in MODULES and m != me}


MODULES = {module_name(p) for p in PKG.rglob("*.py")}


def graph() -> dict:
    g = {module_name(p): imports_of(p) for p in PKG.rglob("*.py")}
    # a package's __init__ re-exporting its own modules is not a cycle through them
    for pkg in [m for m in g if any(k.startswith(m + ".") for k in g)]:
        for child in [k for k in g if k.startswith(pkg + ".")]:
            g[child].discard(pkg)
    return g


def find_cycle(g: dict):
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(g.get(m, ())):
            if state.get(n) == "open":
                return stack[stack.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        state[m] = "done"
        stack.pop()
        return None

    for m in sorted(g):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("low", ["vaal_core.config", "vaal_core.parallel"])
def test_the_bottom_layer_imports_nothing_of_the_package(low):
    assert graph()[low] == set()
