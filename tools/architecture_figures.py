"""Figures on the shape of the code that anyone can rerun (issue 22: measure before and after).

    python tools/architecture_figures.py [--root src/fengqiao] [--no-pylint] [--edges]

Prints, for the package under --root:
- the import graph between apps: for each pair importer → imported, how many import statements sit at
  module level (run when the module loads) and how many inside a function (run when it is called);
- the import cycles between apps made of module-level imports only (each strongly connected group of
  apps, and one shortest cycle through each of its apps);
- the share of internal imports (fengqiao → fengqiao) that are function-local;
- the duplicate-code figure: the number of R0801 messages of
  `pylint --disable=all --enable=duplicate-code --min-similarity-lines=8 <root>` (pylint is not a
  project dependency: the command is looked up as $PYLINT, then `pylint` on PATH; without it the
  figure is skipped).

An "app" is the first package under the root (`fengqiao.cases.services` → `cases`); a module at the
root counts as one of its own (`fengqiao.urls` → `urls.py`). Imports inside `if
TYPE_CHECKING:` count as module-level (there are none today). Only the standard library is used.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT_APP = "(root)"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a `from … import` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, module: str) -> list[tuple[str, bool, int]]:
    """(imported module, function-local?, line) for every import statement of one file.

    `from package import name` yields `package.name` when that is a module of ours (decided later),
    so that importing a submodule by name counts as importing that submodule."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append((alias.name, inner, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                target = resolve(child, module, path.name == "__init__.py")
                for alias in child.names:
                    found.append(
                        (
                            f"{target}.{alias.name}" if alias.name != "*" else target,
                            inner,
                            child.lineno,
                        )
                    )
            visit(child, inner)

    visit(tree, False)
    return found


def app_of(module: str, packages: set[str]) -> str:
    """`fengqiao.cases.services` → `cases`; a module at the root, `fengqiao.urls` → `urls.py`."""
    parts = module.split(".")
    if len(parts) == 1:
        return ROOT_APP
    return parts[1] if len(parts) > 2 or module in packages else parts[1] + ".py"


def collect(root: Path):
    package = root.name
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts or "static" in path.parts:
            continue
        name = module_name(path, root)
        modules[name] = path
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    # (importer app, imported app) → [module-level count, function-local count]
    edges: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    internal = Counter()
    for name, path in modules.items():
        seen: set[tuple[str, bool, int]] = set()
        for target, local, line in imports_of(path, name):
            if target.split(".")[0] != package:
                continue
            # `from fengqiao.cases import services` names a module; `from fengqiao.cases.models
            # import Case` names a class: keep the longest prefix that is one of our modules.
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            key = (target, local, line)
            if key in seen:
                continue
            seen.add(key)
            internal["local" if local else "top"] += 1
            src, dst = app_of(name, packages), app_of(target, packages)
            if src == dst:
                continue
            edges[(src, dst)][1 if local else 0] += 1
            if not local:
                examples[(src, dst)].append(f"{name}:{line} → {target}")
    return package, modules, edges, examples, internal


def strongly_connected(nodes: set[str], adj: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; the groups of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(adj.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            strong(v)
    return groups


def shortest_cycle(start: str, adj: dict[str, set[str]], within: set[str]) -> list[str]:
    """Breadth-first: the shortest path start → … → start inside one group."""
    frontier = [[start]]
    seen = {start}
    while frontier:
        following = []
        for path in frontier:
            for w in sorted(adj.get(path[-1], ())):
                if w not in within:
                    continue
                if w == start:
                    return path + [start]
                if w not in seen:
                    seen.add(w)
                    following.append(path + [w])
        frontier = following
    return []


def duplicate_code(root: Path) -> tuple[int | None, str, list[str]]:
    """(R0801 count, the command, one line per message naming the places it found alike)."""
    pylint = os.environ.get("PYLINT") or shutil.which("pylint")
    if not pylint:
        return None, "pylint not found (set PYLINT=/path/to/pylint)", []
    command = [
        pylint,
        "--disable=all",
        "--enable=duplicate-code",
        "--min-similarity-lines=8",
        str(root),
    ]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    found: list[list[str]] = []
    for line in run.stdout.splitlines():
        if re.search(r"\bR0801\b", line):
            found.append([])
        elif line.startswith("==") and found:
            found[-1].append(line[2:])
    version = subprocess.run([pylint, "--version"], capture_output=True, text=True, check=False)
    how = "pylint " + " ".join(command[1:])
    how += f"  ({version.stdout.splitlines()[0] if version.stdout else pylint})"
    return len(found), how, ["  " + " = ".join(places) for places in found]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="src/fengqiao", type=Path)
    parser.add_argument("--no-pylint", action="store_true", help="skip the duplicate-code figure")
    parser.add_argument(
        "--edges", action="store_true", help="list each module-level import between apps"
    )
    args = parser.parse_args()
    root = args.root.resolve()
    package, modules, edges, examples, internal = collect(root)

    print(f"== {package}: {len(modules)} modules (migrations left out)")
    print("\n== Imports between apps (import statements: module-level / function-local)")
    apps = sorted({a for pair in edges for a in pair})
    width = max(len(a) for a in apps) if apps else 10
    for src in apps:
        row = [(dst, *edges[(src, dst)]) for dst in apps if (src, dst) in edges]
        if not row:
            continue
        cells = ", ".join(f"{dst} {top}/{local}" for dst, top, local in sorted(row))
        print(f"{src:<{width}} → {cells}")
    top_edges = sum(1 for counts in edges.values() if counts[0])
    local_only = sum(1 for counts in edges.values() if not counts[0])
    print(
        f"app→app edges: {len(edges)} ({top_edges} with a module-level import, {local_only} function-local only)"
    )

    adj: dict[str, set[str]] = defaultdict(set)
    for (src, dst), (top, _local) in edges.items():
        if top:
            adj[src].add(dst)
    groups = strongly_connected(set(apps), adj)
    print("\n== Module-level import cycles between apps")
    if not groups:
        print("none")
    for group in groups:
        print(f"group of {len(group)}: {', '.join(group)}")
        cycles = {tuple(shortest_cycle(a, adj, set(group))) for a in group}
        two_way = sorted(
            {tuple(sorted((a, b))) for a in group for b in adj[a] if a in adj.get(b, ())}
        )
        print(f"  two-way pairs ({len(two_way)}): " + ", ".join(f"{a}↔{b}" for a, b in two_way))
        for cycle in sorted(cycles, key=lambda c: (len(c), c)):
            print("  cycle: " + " → ".join(cycle))

    total = internal["top"] + internal["local"]
    share = 100 * internal["local"] / total if total else 0
    print("\n== Internal imports (fengqiao → fengqiao, one per imported module per statement)")
    print(
        f"module-level {internal['top']}, function-local {internal['local']}, total {total}: {share:.0f} % function-local"
    )
    between = sum(t + loc for t, loc in edges.values())
    between_local = sum(loc for _t, loc in edges.values())
    if between:
        print(
            f"between apps only: {between_local} of {between} function-local ({100 * between_local / between:.0f} %)"
        )

    if args.edges:
        print("\n== Module-level imports between apps")
        for pair in sorted(examples):
            for line in examples[pair]:
                print(f"{pair[0]} → {pair[1]}: {line}")

    if not args.no_pylint:
        print("\n== Duplicate code (pylint duplicate-code, R0801 messages)")
        count, how, places = duplicate_code(args.root)
        print(f"{count if count is not None else 'skipped'}: {how}")
        print("\n".join(places))
    return 0


if __name__ == "__main__":
    sys.exit(main())
